"""Renders the app icon (resources/shipstation-desktop.svg) to the PNG sizes under icons/hicolor/.

The PNGs are committed (the installer and the Windows/macOS builds use them, and neither has Qt's
SVG renderer at hand); run this again after changing the SVG:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/linux/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[2]
SVG = ROOT / "shipstation_desktop" / "resources" / "shipstation-desktop.svg"
HICOLOR = Path(__file__).resolve().parent / "icons" / "hicolor"
SIZES = (48, 128, 256)


def render(size: int, target: Path) -> None:
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"cannot write {target}")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    for size in SIZES:
        target = HICOLOR / f"{size}x{size}" / "apps" / "shipstation-desktop.png"
        render(size, target)
        print(target.relative_to(ROOT))
    scalable = HICOLOR / "scalable" / "apps" / "shipstation-desktop.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(SVG.read_bytes())
    print(scalable.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
