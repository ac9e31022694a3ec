"""The bench's own shipping label (4x6 in), as ZPL or PDF. Carrier-supplied labels never pass here."""

from __future__ import annotations

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.labels.model import LabelData
from shipstation_desktop.labels.zpl import render_zpl

__all__ = ["LabelData", "render_label", "render_zpl"]


def render_label(data: LabelData, fmt: LabelFormat, dpi: int = 203) -> bytes:
    """The label in the printer's language, its barcodes sized in whole dots at `dpi`."""
    if fmt is LabelFormat.ZPL:
        return render_zpl(data, dpi)
    # reportlab costs ~0.2 s to import: thermal (ZPL) benches never pay it.
    from shipstation_desktop.labels.pdf import render_pdf

    return render_pdf(data, dpi)
