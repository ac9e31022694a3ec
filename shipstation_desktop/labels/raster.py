"""Carrier labels that come only as PDF or PNG, made printable on a ZPL printer: one ^GF per page.

The page is rendered at the printer's own dpi, so one image pixel is one printer dot and bars keep
their widths. Only when the carrier's page is bigger than the label (a label on a letter sheet) is
the white margin cropped off, then the rest turned upright and shrunk to fit: cut off is never an
option, since a half barcode is no barcode.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from shipstation_desktop.labels.layout import LABEL_HEIGHT_IN, LABEL_WIDTH_IN
from shipstation_desktop.labels.zpl import SUPPORTED_DPI, dots
from shipstation_desktop.labels.zpl_graphics import graphic_field

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.Image import Image as Picture

_INK_THRESHOLD = 160  # grey levels below this print: keeps thin light bars, drops paper tint
_SIZE_SLACK = 1.02  # a page within 2 % of 4x6 in counts as a 4x6 label


def pdf_to_zpl(pdf: bytes, dpi: int) -> bytes:
    """Every page of a carrier PDF as a ZPL label at `dpi`."""
    import pypdfium2 as pdfium

    _check_dpi(dpi)
    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise ValueError(f"the carrier's PDF cannot be read ({exc})") from exc
    try:
        formats = []
        for index in range(len(doc)):
            page = doc[index]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                formats.append(image_to_zpl(bitmap.to_pil(), dpi))
            finally:
                page.close()
    finally:
        doc.close()
    if not formats:
        raise ValueError("the carrier's PDF has no pages")
    return b"".join(formats)


def png_to_zpl(png: bytes, dpi: int) -> bytes:
    """A carrier PNG (or any image Pillow reads) as a ZPL label at `dpi`."""
    from PIL import Image, UnidentifiedImageError

    _check_dpi(dpi)
    try:
        image: Picture = Image.open(io.BytesIO(png))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"the carrier's image cannot be read ({exc})") from exc
    source_dpi = image.info.get("dpi", (0, 0))[0]
    if source_dpi and abs(source_dpi - dpi) > 1:
        # Carriers say their resolution (often 203 or 300): scale to the printer's dots first.
        factor = dpi / float(source_dpi)
        image = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))))
    return image_to_zpl(image, dpi)


def image_to_zpl(image: Image, dpi: int) -> bytes:
    """One ^XA…^XZ with the image placed on a 4x6 label, 1 pixel = 1 dot where it fits."""
    _check_dpi(dpi)
    width, height = dots(LABEL_WIDTH_IN, dpi), dots(LABEL_HEIGHT_IN, dpi)
    ink = _monochrome(image)
    ink = _fit(ink, width, height)
    x, y = (width - ink.width) // 2, (height - ink.height) // 2
    cmds = ["^XA", f"^PW{width}", f"^LL{height}", "^LH0,0", f"^FO{x},{y}{graphic_field(ink)}^FS", "^XZ"]
    return ("\n".join(cmds) + "\n").encode("ascii")


def _monochrome(image: Image) -> Image:
    """1-bit, set bits = ink. Transparent areas count as paper."""
    from PIL import Image as pil

    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        paper = pil.new("RGBA", image.size, (255, 255, 255, 255))
        image = pil.alpha_composite(paper, image)
    grey = image.convert("L")
    return grey.point(lambda v: 255 if v < _INK_THRESHOLD else 0, mode="1")


def _fit(ink: Image, width: int, height: int) -> Image:
    if ink.width <= width * _SIZE_SLACK and ink.height <= height * _SIZE_SLACK:
        return ink.crop((0, 0, min(ink.width, width), min(ink.height, height)))
    box = ink.getbbox()  # the printed area: drop the sheet's white margins
    if box is not None:
        ink = ink.crop(box)
    if ink.width > ink.height and width < height:
        ink = ink.rotate(90, expand=True)  # a landscape label prints upright on portrait stock
    if ink.width <= width and ink.height <= height:
        return ink
    scale = min(width / ink.width, height / ink.height)
    grey = ink.convert("L").resize((max(1, int(ink.width * scale)), max(1, int(ink.height * scale))))
    return grey.point(lambda v: 255 if v >= 128 else 0, mode="1")


def _check_dpi(dpi: int) -> None:
    if dpi not in SUPPORTED_DPI:
        raise ValueError(f"dpi must be one of {SUPPORTED_DPI}, got {dpi}")


def png_to_pdf(png: bytes) -> bytes:
    """A carrier PNG on a 4x6 in PDF page, at its own size when it fits, else shrunk to fit."""
    from PIL import Image, UnidentifiedImageError
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    try:
        image: Picture = Image.open(io.BytesIO(png))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"the carrier's image cannot be read ({exc})") from exc
    page_w, page_h = LABEL_WIDTH_IN * 72, LABEL_HEIGHT_IN * 72
    if image.width > image.height:
        image = image.rotate(90, expand=True)
    source_dpi = float(image.info.get("dpi", (0, 0))[0] or image.width / LABEL_WIDTH_IN)
    w, h = image.width * 72 / source_dpi, image.height * 72 / source_dpi
    scale = min(1.0, page_w / w, page_h / h)
    w, h = w * scale, h * scale
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(page_w, page_h), invariant=1, pageCompression=1)
    canvas.setCreator("ShipStation Desktop (carrier image)")
    canvas.drawImage(ImageReader(image), (page_w - w) / 2, (page_h - h) / 2, w, h)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
