"""Label preview: the PDF (or carrier image) drawn at the screen's real resolution, off the GUI thread.

The document is rasterized by pdfium in a worker at the screen's dots per inch (times the device
pixel ratio on HiDPI screens), so a 4x6 in label shows 4x6 in on the monitor when it fits, and its
barcodes are as crisp as the screen allows. Only the finished bitmap crosses to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.services.documents import Preview

from . import style
from .i18n import _
from .ops import Failure, Op, OpContext, OpRunner

MAX_SCREEN_SHARE = 0.8  # of the screen's height: the whole label stays visible without scrolling


@dataclass(frozen=True, slots=True)
class Raster:
    """Grey pixels, one byte each, as pdfium or Pillow produced them (safe to hand between threads)."""

    width: int
    height: int
    pixels: bytes
    note: str = ""

    def image(self, device_pixel_ratio: float) -> QImage:
        image = QImage(self.pixels, self.width, self.height, self.width, QImage.Format.Format_Grayscale8).copy()
        image.setDevicePixelRatio(device_pixel_ratio)
        return image


def rasterize(preview: Preview, dpi: float, max_height_px: int) -> Raster:
    """`preview` at `dpi` (screen pixels per inch), scaled down only if taller than `max_height_px`."""
    from PIL import Image

    if preview.format is LabelFormat.PDF:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(preview.data)
        try:
            page = doc[0]
            _, height_pt = page.get_size()
            scale = min(dpi / 72, max_height_px / height_pt)
            image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
            page.close()
        finally:
            doc.close()
    else:
        import io

        image = Image.open(io.BytesIO(preview.data)).convert("L")
        if image.height > max_height_px:
            factor = max_height_px / image.height
            image = image.resize((max(1, round(image.width * factor)), max_height_px))
    return Raster(image.width, image.height, image.tobytes(), preview.note)


class LabelPreview(QWidget):
    """The label image with a note under it; `load` runs in a worker and returns a Preview."""

    loaded = Signal()
    failed = Signal(str)

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.raster: Raster | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.image_label = QLabel(_("Rendering the label…"))
        self.image_label.setObjectName("labelPreviewImage")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setStyleSheet("QLabel#labelPreviewImage { background: #d0d0d0; padding: 12px; }")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.image_label)
        layout.addWidget(scroll, 1)
        self.note_label = QLabel()
        self.note_label.setObjectName("labelPreviewNote")
        self.note_label.setWordWrap(True)
        style.set_text_color(self.note_label, style.MUTED)
        self.note_label.hide()
        layout.addWidget(self.note_label)

    def screen_dpi(self) -> tuple[float, float, int]:
        """(pixels per inch, device pixel ratio, largest height in device pixels) of this screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        ratio = self.devicePixelRatioF()
        dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
        height = screen.availableGeometry().height() if screen is not None else 900
        return dpi * ratio, ratio, int(height * MAX_SCREEN_SHARE * ratio)

    def load(self, fetch: Callable[[], Preview], label: str = "") -> None:
        dpi, ratio, max_height = self.screen_dpi()
        label = label or _("Rendering the label…")

        def work(_ctx: OpContext) -> Raster:
            return rasterize(fetch(), dpi, max_height)

        self.runner.run(
            Op(
                work,
                label=label,
                on_success=lambda raster: self._show(raster, ratio),
                on_failure=self._fail,
            )
        )

    def _show(self, raster: Raster, ratio: float) -> None:
        self.raster = raster
        self.image_label.setPixmap(QPixmap.fromImage(raster.image(ratio)))
        self.note_label.setText(raster.note)
        self.note_label.setVisible(bool(raster.note))
        self.loaded.emit()

    def _fail(self, failure: Failure) -> None:
        self.image_label.setText(_("No preview: {reason}").format(reason=failure.message))
        style.set_text_color(self.image_label, style.BAD)
        self.failed.emit(failure.message)


class LabelPreviewDialog(QDialog):
    """A label preview with Close and, where printing makes sense, a Print button."""

    def __init__(
        self,
        runner: OpRunner,
        title: str,
        fetch: Callable[[], Preview],
        parent: QWidget | None = None,
        *,
        on_print: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("labelPreviewDialog")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.preview = LabelPreview(runner, self)
        layout.addWidget(self.preview, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.print_button: QPushButton | None = None
        if on_print is not None:
            button = self.buttons.addButton(_("Print"), QDialogButtonBox.ButtonRole.ActionRole)
            button.clicked.connect(on_print)
            self.print_button = button
        layout.addWidget(self.buttons)
        dpi, ratio, max_height = self.preview.screen_dpi()
        width = int(min(4 * dpi, max_height * 2 / 3) / ratio)
        self.resize(width + 60, int(max_height / ratio) + 90)
        self.preview.load(fetch)
