"""Print documents: a shipment's stored label, the packing slip, a preview, each made fit for a printer.

Carrier labels pass through untouched when the printer speaks their language (ZPL to ZPL, PDF to
PDF). A carrier PDF or PNG for a ZPL printer is rasterized at the printer's dpi and sent as ^GF.
The bench's own labels are instead drawn again from the shipment for the printer at hand (another
dpi, or PDF instead of ZPL), because a fresh rendering is sharper than any conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select

from shipstation_desktop.devices.printer_port import PrinterPort
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import LabelFormat, LabelPurchaseState
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.rates import Rate
from shipstation_desktop.labels import render_label
from shipstation_desktop.labels.model import LabelData
from shipstation_desktop.labels.slip import SlipData
from shipstation_desktop.labels.zpl import OWN_MARK
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from .bench import Bench
from .orders import find_by_scan

_OWN_PDF = b"/Creator (ShipStation Desktop)"
# Placeholder tracking numbers for a preview before purchase: shaped like the carrier's, never real.
_PREVIEW_TRACKING = {"usps": "9400100000000000000000"}
_PREVIEW_DEFAULT = "PREVIEW0000000000"

Relayout = Callable[[LabelFormat, int], bytes]


class ConversionError(UserError):
    """This document cannot be made printable on this printer (a person must pick another printer)."""


@dataclass(frozen=True, slots=True)
class StoredLabel:
    shipment: dm.Shipment
    data: bytes
    format: LabelFormat


@dataclass(frozen=True, slots=True)
class Preview:
    """What the preview shows: a PDF (rendered on screen) or a carrier image; `note` explains a stand-in."""

    data: bytes
    format: LabelFormat  # PDF or PNG
    note: str = ""


def is_own_label(data: bytes, fmt: LabelFormat) -> bool:
    if fmt is LabelFormat.ZPL:
        return OWN_MARK.encode() in data[:200]
    if fmt is LabelFormat.PDF:
        return _OWN_PDF in data
    return False


def carrier_name(bench: Bench, code: str) -> str:
    carrier = bench.carriers.get(code)
    return carrier.name if carrier is not None else code


def label_data_for(bench: Bench, shipment: dm.Shipment) -> LabelData:
    """The bench's own label for a bought shipment (the same data the purchase printed)."""
    data = LabelData.from_shipment(shipment)
    return replace(data, carrier=carrier_name(bench, shipment.carrier))


def stored_label(bench: Bench, shipment_id: str) -> StoredLabel:
    with bench.store.session() as s:
        row = s.get(t.Shipment, shipment_id)
        if row is None:
            raise UserError(f"No shipment {shipment_id!r} on this bench.")
        intent = s.scalar(
            select(t.LabelPurchase).where(
                t.LabelPurchase.tracking_number == row.tracking_number,
                t.LabelPurchase.state == LabelPurchaseState.DONE,
            )
        )
        if intent is None or intent.label_data is None:
            raise UserError(f"No stored label for {row.tracking_number}.")
        shipment = mappers.shipment(row, row.order.order_number)
        return StoredLabel(shipment, intent.label_data, LabelFormat(intent.label_format or "zpl"))


def for_printer(data: bytes, fmt: LabelFormat, printer: PrinterPort, relayout: Relayout | None = None) -> bytes:
    """`data` in the printer's language, at its dpi. Raises ConversionError when that cannot be done."""
    target = printer.format
    own = relayout is not None and is_own_label(data, fmt)
    if fmt is target:
        if own and fmt is LabelFormat.ZPL and relayout is not None and _zpl_dpi(data) not in (None, printer.dpi):
            return _draw_again(relayout, target, printer.dpi)  # 203 dpi ZPL prints 2/3 size on 300 dpi
        return data  # a carrier's document passes through untouched
    if own and relayout is not None and target in (LabelFormat.ZPL, LabelFormat.PDF):
        return _draw_again(relayout, target, printer.dpi)
    from shipstation_desktop.labels import raster

    try:
        if target is LabelFormat.ZPL and fmt is LabelFormat.PDF:
            return raster.pdf_to_zpl(data, printer.dpi)
        if target is LabelFormat.ZPL and fmt is LabelFormat.PNG:
            return raster.png_to_zpl(data, printer.dpi)
        if target is LabelFormat.PDF and fmt is LabelFormat.PNG:
            return raster.png_to_pdf(data)
    except ValueError as exc:
        raise ConversionError(str(exc)) from exc
    raise ConversionError(
        f"a {fmt.value.upper()} document cannot be printed on {printer.name!r}, which prints "
        f"{target.value.upper()}; choose a {fmt.value.upper()} printer in Preferences"
    )


def _draw_again(relayout: Relayout, fmt: LabelFormat, dpi: int) -> bytes:
    try:
        return relayout(fmt, dpi)
    except ValueError as exc:  # e.g. a stored USPS shipment whose tracking number is not an IMpb
        raise ConversionError(f"the label cannot be drawn again for this printer: {exc}") from exc


def _zpl_dpi(data: bytes) -> int | None:
    """The dpi a ZPL label was made for, from its ^PW (812 dots: 203 dpi; 1200: 300 dpi)."""
    head = data[:400]
    for width, dpi in ((b"^PW812", 203), (b"^PW1200", 300)):
        if width in head:
            return dpi
    return None


def shipment_relayout(bench: Bench, shipment: dm.Shipment) -> Relayout:
    data = label_data_for(bench, shipment)

    def relayout(fmt: LabelFormat, dpi: int) -> bytes:
        return render_label(data, fmt, dpi)

    return relayout


# --- previews ----------------------------------------------------------------------------------------


def preview_before_purchase(bench: Bench, order: dm.Order, rate: Rate, package: dm.Package) -> Preview:
    """The label as it will look for this order and rate, marked PREVIEW (no tracking number yet)."""
    from shipstation_desktop.labels.pdf import render_pdf
    from shipstation_desktop.services.packing import ship_from

    tracking = _PREVIEW_TRACKING.get(rate.carrier.lower(), _PREVIEW_DEFAULT)
    data = LabelData(
        carrier=carrier_name(bench, rate.carrier),
        service=rate.service_name,
        tracking_number=tracking,
        reference=order.order_number,
        weight=package.weight,
        ship_from=ship_from(bench),
        ship_to=order.ship_to,
        date=bench.clock.now(),
        preview=True,
    )
    try:
        return Preview(render_pdf(data, bench.label_printer.dpi), LabelFormat.PDF)
    except ValueError as exc:
        raise UserError(f"No preview for this label: {exc}") from exc


def preview_of_shipment(bench: Bench, shipment_id: str) -> Preview:
    """What was (or will be) printed for a bought label, as close as the screen can show it."""
    from shipstation_desktop.labels.pdf import render_pdf

    label = stored_label(bench, shipment_id)
    if label.format in (LabelFormat.PDF, LabelFormat.PNG):
        return Preview(label.data, label.format)  # the carrier's own document, exactly
    try:
        pdf = render_pdf(label_data_for(bench, label.shipment), bench.label_printer.dpi)
    except ValueError as exc:
        raise UserError(f"No preview for {label.shipment.tracking_number}: {exc}") from exc
    if is_own_label(label.data, label.format):
        return Preview(pdf, LabelFormat.PDF)
    return Preview(
        pdf,
        LabelFormat.PDF,
        note="The carrier sent this label as ZPL, which only the printer draws; shown is the same "
        "shipment in the bench's own layout.",
    )


# --- packing slips -------------------------------------------------------------------------------------


def slip_data(bench: Bench, order_number: str) -> SlipData:
    from shipstation_desktop.services.packing import ship_from

    order = find_by_scan(bench.store, order_number)
    tracking, service = "", ""
    with bench.store.session() as s:
        row = s.scalar(
            select(t.Shipment)
            .where(t.Shipment.order_id == order.id, t.Shipment.status != "CANCELLED", t.Shipment.deleted_at.is_(None))
            .order_by(t.Shipment.created_at.desc())
        )
        if row is not None:
            tracking, service = row.tracking_number, f"{carrier_name(bench, row.carrier)} {row.service}"
    return SlipData.from_order(order, ship_from(bench), tracking, service)


def render_slip(slip: SlipData, fmt: LabelFormat, page: str = "4x6") -> tuple[bytes, LabelFormat]:
    """The slip in a printer's language: ESC/POS for receipt printers, else PDF (rasterized for ZPL later)."""
    if fmt is LabelFormat.ESCPOS:
        from shipstation_desktop.labels.slip_escpos import render_slip_escpos

        return render_slip_escpos(slip), LabelFormat.ESCPOS
    from shipstation_desktop.labels.slip import render_slip_pdf

    return render_slip_pdf(slip, page), LabelFormat.PDF
