"""Builds a printer adapter from a bench setting (kind + address) or from a printer URL (the CLI).

URLs: tcp://HOST[:PORT] (raw TCP, ZPL), usb:/dev/usb/lp0, cups:QUEUE (empty: the default queue),
escpos:tcp://HOST:PORT / escpos:usb:VID:PID / escpos:serial:PORT (receipt printers), spool:DIR.
A setting that cannot work raises ValueError with the reason, for the caller to show.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from shipstation_desktop.devices.printer_port import PrinterPort
from shipstation_desktop.domain.enums import LabelFormat

KINDS = ("spool", "tcp", "system", "usb", "escpos")


def open_printer(
    kind: str,
    address: str,
    *,
    format: LabelFormat,
    dpi: int,
    check_status: bool = True,
    spool_dir: Path | None = None,
    name: str = "",
) -> PrinterPort:
    address = address.strip()
    if kind == "spool":
        from shipstation_desktop.devices.spool_printer import SpoolPrinter

        directory = Path(address) if address else spool_dir
        if directory is None:
            raise ValueError("a spool printer needs a folder")
        return SpoolPrinter(directory, format=format, dpi=dpi, name=name or "Spool printer")
    if kind == "tcp":
        from shipstation_desktop.devices.tcp_printer import DEFAULT_PORT, TcpPrinter

        if not address:
            raise ValueError(
                "no printer address is set; enter tcp://host:9100 in Preferences, or choose the spool printer"
            )
        url = urlsplit(address if "://" in address else f"tcp://{address}")
        if url.scheme != "tcp" or not url.hostname:
            raise ValueError(f"{address!r} is not a network printer address like tcp://192.0.2.10:9100")
        try:
            port = url.port or DEFAULT_PORT
        except ValueError:
            raise ValueError(f"{address!r} has an invalid port number") from None
        return TcpPrinter(url.hostname, port, format=format, dpi=dpi, check_status=check_status, name=name)
    if kind == "system":
        from shipstation_desktop.devices.cups_printer import CupsPrinter

        return CupsPrinter(address, format=format, dpi=dpi, name=name)
    if kind == "usb":
        from shipstation_desktop.devices.usb_printer import UsbPrinter

        if not address:
            raise ValueError("no USB printer device is set; enter e.g. /dev/usb/lp0 in Preferences")
        return UsbPrinter(address, format=format, dpi=dpi, name=name)
    if kind == "escpos":
        from shipstation_desktop.devices.escpos_printer import EscPosPrinter

        if not address:
            raise ValueError("no receipt printer address is set (tcp://host:9100, usb:VID:PID or serial:PORT)")
        return EscPosPrinter(address, dpi=dpi, name=name)
    raise ValueError(f"unknown printer kind {kind!r}; choose one of {', '.join(KINDS)}")


def from_url(url: str, *, format: LabelFormat | None = None, dpi: int = 203, check_status: bool = True) -> PrinterPort:
    """A printer named by URL (see the module doc). `format` overrides the URL kind's usual language."""
    url = url.strip()
    if url.startswith("tcp://"):
        return open_printer("tcp", url, format=format or LabelFormat.ZPL, dpi=dpi, check_status=check_status)
    if url.startswith(("usb:", "/dev/")):
        return open_printer("usb", url.removeprefix("usb:"), format=format or LabelFormat.ZPL, dpi=dpi)
    if url.startswith(("cups:", "lp:")):
        return open_printer("system", url.split(":", 1)[1], format=format or LabelFormat.PDF, dpi=dpi)
    if url.startswith("escpos:"):
        return open_printer("escpos", url.removeprefix("escpos:"), format=LabelFormat.ESCPOS, dpi=dpi)
    if url.startswith("spool:"):
        return open_printer("spool", url.removeprefix("spool:"), format=format or LabelFormat.ZPL, dpi=dpi)
    raise ValueError(f"{url!r} is not a printer address: use tcp://HOST:9100, usb:/dev/usb/lp0, cups:QUEUE, escpos:…")
