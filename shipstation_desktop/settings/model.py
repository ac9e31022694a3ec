"""Typed bench settings, kept as JSON in the data dir. Secrets never go here: see secrets.py."""

from __future__ import annotations

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shipstation_desktop.domain.enums import LabelFormat, RateRule
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import WeightUnit
from shipstation_desktop.settings.rate_shopping import PreferredCarrierRule


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class ScaleSettings(_Section):
    kind: Literal["simulated", "serial", "hid"] = "simulated"
    # sics, toledo, nci, cas: serial; hid: USB; sim: the scripted simulator (port = its script).
    protocol: Literal["sim", "sics", "toledo", "nci", "cas", "hid"] = "sim"
    port: str = ""  # /dev/ttyUSB0, COM3, socket://host:port; for hid: auto, VID:PID or a device path
    baud: int = Field(9600, gt=0)
    # None: the protocol's factory default (MT-SICS and CAS 8N1, Toledo and NCI 7E1).
    bytesize: Literal[7, 8] | None = None
    parity: Literal["N", "E", "O", "M", "S"] | None = None
    stopbits: Literal[1, 2] | None = None
    unit: WeightUnit | None = None  # what a scale that sends no unit (Toledo 8213) is set to; None: weight_unit
    answer_timeout_s: float = Field(1.0, gt=0, le=10)
    stable_window_s: float = Field(0.3, gt=0, le=5)
    min_weight_g: Decimal = Field(Decimal(2), ge=0)


class PrinterSettings(_Section):
    """One printer per document type (label, packing slip) on this bench."""

    kind: Literal["spool", "tcp", "system", "usb", "escpos"] = "spool"
    # spool: a folder (empty: the bench's spool); tcp: tcp://host:9100; system: a CUPS queue name
    # (empty: the default printer); usb: /dev/usb/lp0; escpos: tcp://host:9100, usb:VID:PID, serial:PORT
    address: str = ""
    format: LabelFormat = LabelFormat.ZPL
    dpi: Literal[203, 300] = 203
    check_status: bool = True  # ask the printer (~HS) before each job; off for print servers that never answer
    page: Literal["4x6", "letter", "a4"] = "4x6"  # paper for PDF packing slips


class CarrierAccount(_Section):
    code: str
    account: str = ""  # the shipper / account number the carrier bills
    enabled: bool = True
    sandbox: bool = True
    base_url: str = ""  # empty: the carrier's published sandbox or production URL (carrier_endpoints.py)
    # Requests per second this account may send; None: the carrier's published limit.
    rate_limit_per_s: float | None = Field(None, gt=0)


class CentralSettings(_Section):
    url: str = ""  # empty: this bench works alone


class ShipFrom(_Section):
    name: str = "Demo Warehouse"
    company: str = "ShipStation Desktop Demo"
    line1: str = "500 Industrial Way"
    line2: str = ""
    city: str = "Reno"
    state: str = "NV"
    postal_code: str = "89502"
    country: str = "US"
    phone: str = "+17755550100"


class NotificationSettings(_Section):
    """Customer notifications (seed 002). SMTP user/password and the SMS token live in the keyring
    ("smtp/user", "smtp/password", "sms/token"), never here."""

    enabled: bool = False  # off: order status changes record no customer notifications
    # On exactly ONE bench (e.g. the office's): also tell customers about status changes made at the
    # center by the hub (carrier webhooks, ShipStation ship notices), which no bench made itself.
    notify_center_changes: bool = False
    smtp_host: str = ""  # empty: e-mail is not set up
    smtp_port: int = Field(587, gt=0, lt=65536)
    smtp_from: str = ""  # the From address, e.g. "Shop <orders@example.com>"
    smtp_starttls: bool = True
    smtp_ca_file: str = ""  # extra CA certificate(s) to trust, for a relay with a private CA
    smtp_timeout_s: float = Field(15.0, gt=0, le=120)
    sms_url: str = ""  # the SMS provider's HTTP endpoint (JSON POST); empty: SMS is not set up
    sms_sender_id: str = ""  # the "from" name or number the provider shows
    default_language: str = "es"
    default_timezone: str = "Europe/Madrid"
    quiet_start: str = "22:00"
    quiet_end: str = "08:00"


class BenchSettings(BaseSettings):
    """The file is the source of truth; SSD_* environment variables override it for IT admins
    (e.g. SSD_CENTRAL__URL=postgresql://… or SSD_BENCH_NAME="Bench 4")."""

    model_config = SettingsConfigDict(
        env_prefix="SSD_", env_nested_delimiter="__", extra="ignore", validate_assignment=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment beats the file (values read from settings.json arrive as init kwargs).
        return (env_settings, init_settings)

    bench_name: str = "Bench 1"
    weight_unit: WeightUnit = WeightUnit.LB
    weight_tolerance_pct: Decimal = Field(Decimal(10), ge=0, le=100)
    raise_weight_exceptions: bool = True
    rate_rule: RateRule = RateRule.CHEAPEST
    rate_within_days: int = Field(3, ge=0, le=60)  # N for rate_rule "cheapest_within_days"
    preferred_carriers: list[PreferredCarrierRule] = []  # the most specific match wins (rate_rules.py)
    excluded_services: list[str] = []  # "ups", "ups/GROUND" or "*/GROUND": never offered
    demo_mode: bool = True
    first_run_done: bool = False
    scale: ScaleSettings = ScaleSettings()
    label_printer: PrinterSettings = PrinterSettings()
    slip_printer: PrinterSettings = PrinterSettings(format=LabelFormat.PDF)
    carriers: list[CarrierAccount] = [CarrierAccount(code="simulated")]
    central: CentralSettings = CentralSettings()
    ship_from: ShipFrom = ShipFrom()
    notifications: NotificationSettings = NotificationSettings()
    # The order status workflow: "default", "strict" or <data dir>/workflows/<name>.json (services/workflows.py).
    order_workflow: str = Field("default", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # Minutes without a key press, scan or click before the bench locks (0: never); users only.
    idle_lock_minutes: int = Field(5, ge=0, le=480)
    # The GUI's language ("es", "zh", …; ui/i18n.py lists the shipped ones); empty: the computer's.
    # `gui --lang` overrides it for one start; a user's own language (once users log in) beats both.
    language: str = Field("", pattern=r"^([A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?)?$")


def load(path: Path) -> BenchSettings:
    if not path.exists():
        return BenchSettings()
    try:
        return BenchSettings(**json.loads(path.read_text("utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(f"{path}: setting {where}: {first['msg']}") from exc


def save(path: Path, settings: BenchSettings) -> None:
    """Atomic write: a crash mid-save leaves the old file, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = settings.model_dump_json(indent=2)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
