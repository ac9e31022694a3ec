"""packaging/linux: the menu entry, the icons, the udev rules and the install script."""

from __future__ import annotations

import configparser
import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from shipstation_desktop.cli import build_parser
from shipstation_desktop.devices.scales.hid import KNOWN_SCALES

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
NAME = "shipstation-desktop"
DESKTOP = LINUX / f"{NAME}.desktop"
RULES = LINUX / f"60-{NAME}.rules"
ICON_SVG = ROOT / "shipstation_desktop" / "resources" / f"{NAME}.svg"
PNG_SIZES = (48, 128, 256)

# freedesktop.org menu spec: the registered main categories (an entry should name exactly one).
MAIN_CATEGORIES = {
    "AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics",
    "Network", "Office", "Science", "Settings", "System", "Utility",
}  # fmt: skip

# udev(7): the keys these rules may use, and how each may be used.
MATCH_KEYS = {"ACTION", "SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "KERNELS", "DRIVERS", "ATTR", "ATTRS", "ENV", "TAG"}
ASSIGN_KEYS = {"GROUP", "MODE", "OWNER", "TAG", "SYMLINK", "ENV", "RUN"}
MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}
TOKEN = re.compile(
    r'\s*(?P<key>[A-Z]+)(?:\{(?P<attr>[A-Za-z0-9_]+)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*'
)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_is_valid_and_starts_the_gui() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator:  # the reference checker, when the machine has it (desktop-file-utils)
        done = subprocess.run([validator, str(DESKTOP)], capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "error" not in done.stdout, done.stdout
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "ShipStation Desktop"
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == NAME  # a theme icon name, installed under hicolor
    assert entry["TryExec"] == NAME
    program, *argv = entry["Exec"].split()
    assert program == NAME
    assert build_parser().parse_args(argv).command == "gui"  # a real command of this CLI
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert len(set(categories.strip(";").split(";")) & MAIN_CATEGORIES) == 1
    assert entry["Keywords"].endswith(";")


def test_icons_are_the_app_icon_at_every_size() -> None:
    hicolor = LINUX / "icons" / "hicolor"
    for size in PNG_SIZES:
        with Image.open(hicolor / f"{size}x{size}" / "apps" / f"{NAME}.png") as png:
            assert png.format == "PNG" and png.size == (size, size) and png.mode == "RGBA"
            corner, middle = png.getpixel((0, 0)), png.getpixel((size // 2, size // 2))
        assert isinstance(corner, tuple) and isinstance(middle, tuple)
        assert corner[3] == 0 and middle[3] == 255  # the rounded square on a transparent ground
    # The scalable one is the SVG the app itself shows (re-run render_icons.py after changing it).
    assert filecmp.cmp(hicolor / "scalable" / "apps" / f"{NAME}.svg", ICON_SVG, shallow=False)


def rules() -> list[list[re.Match[str]]]:
    parsed = []
    for number, line in enumerate(RULES.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tokens, pos = [], 0
        while pos < len(line):
            token = TOKEN.match(line, pos)
            assert token, f"line {number}: cannot read {line[pos:]!r}"
            tokens.append(token)
            pos = token.end()
            if pos < len(line):
                assert line[pos] == ",", f"line {number}: expected ',' at {line[pos:]!r}"
                pos += 1
        parsed.append(tokens)
    return parsed


def test_udev_rules_are_well_formed() -> None:
    assert int(RULES.name.split("-")[0]) < 73  # logind applies uaccess in 73-seat-late.rules
    checker = shutil.which("udevadm")
    if checker and subprocess.run([checker, "verify", "--help"], capture_output=True, check=False).returncode == 0:
        done = subprocess.run([checker, "verify", str(RULES)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    parsed = rules()
    assert len(parsed) >= 20
    for tokens in parsed:
        ops = [(t["key"], t["op"]) for t in tokens]
        assert all(k in MATCH_KEYS for k, op in ops if op in MATCH_OPS), ops
        assert all(k in ASSIGN_KEYS for k, op in ops if op in ASSIGN_OPS), ops
        assert any(op in MATCH_OPS for _, op in ops) and any(op in ASSIGN_OPS for _, op in ops), ops
        for t in tokens:
            assert (t["attr"] is not None) == (t["key"] in {"ATTR", "ATTRS", "ENV"}), t.group(0)
            if t["attr"] in ("idVendor", "idProduct"):
                assert re.fullmatch(r"[0-9a-f]{4}", t["value"]), t.group(0)  # sysfs spells them so
            if t["key"] == "MODE":
                assert re.fullmatch(r"0[0-7]{3}", t["value"])
        assert ("TAG", "+=") in ops  # every rule gives the seat's user access


def covered(subsystem: str) -> set[tuple[str, str | None]]:
    """(vendor, product or None for the whole vendor) that the rules for one subsystem name."""
    found = set()
    for tokens in rules():
        values = {(t["key"], t["attr"]): t["value"] for t in tokens}
        if values.get(("SUBSYSTEM", None)) == subsystem:
            vendor = values.get(("ATTRS", "idVendor")) or values.get(("ATTR", "idVendor"))
            assert vendor, tokens
            found.add((vendor, values.get(("ATTRS", "idProduct"))))
    return found


def test_udev_rules_cover_the_scales_and_printers_the_app_drives() -> None:
    hid = covered("hidraw")
    for vendor_id, product_id in KNOWN_SCALES:
        vendor, product = f"{vendor_id:04x}", f"{product_id:04x}"
        assert (vendor, product) in hid or (vendor, None) in hid, KNOWN_SCALES[(vendor_id, product_id)]
    # USB-serial adapters: FTDI, Prolific, Silicon Labs, WCH.
    assert {"0403", "067b", "10c4", "1a86"} <= {vendor for vendor, _ in covered("tty")}
    # Raw USB printer devices: Zebra (ZPL), Epson and Star (ESC/POS).
    assert {"0a5f", "04b8", "0519"} <= {vendor for vendor, _ in covered("usbmisc")}


@pytest.fixture
def fake_app(tmp_path: Path) -> Path:
    """A stand-in for dist/shipstation-desktop: install.sh only copies the folder."""
    folder = tmp_path / "dist" / NAME
    (folder / "_internal").mkdir(parents=True)
    exe = folder / NAME
    exe.write_text("#!/bin/sh\necho shipstation-desktop test\n")
    exe.chmod(0o755)
    return folder


def install(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", str(LINUX / "install.sh"), *argv], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.skipif(sys.platform == "win32", reason="a Linux installer")
def test_install_stages_everything_under_destdir(fake_app: Path, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    out = install("--app", str(fake_app), env={**os.environ, "DESTDIR": str(stage)}).stdout
    assert "udev rules" in out
    link = stage / "usr/local/bin" / NAME
    assert os.readlink(link) == f"/opt/{NAME}/{NAME}"
    assert (stage / "opt" / NAME / NAME).read_text() == (fake_app / NAME).read_text()
    entry = (stage / "usr/local/share/applications" / f"{NAME}.desktop").read_text()
    assert f"Exec=/usr/local/bin/{NAME} gui\n" in entry and f"TryExec=/usr/local/bin/{NAME}\n" in entry
    for size in PNG_SIZES:
        assert (stage / f"usr/local/share/icons/hicolor/{size}x{size}/apps/{NAME}.png").is_file()
    assert (stage / f"usr/local/share/icons/hicolor/scalable/apps/{NAME}.svg").is_file()
    installed = (stage / "etc/udev/rules.d" / RULES.name).read_text()
    # The same rules; only the serial group differs on systems that call it uucp (Arch).
    assert installed in (RULES.read_text(), RULES.read_text().replace('GROUP="dialout"', 'GROUP="uucp"'))


@pytest.mark.skipif(sys.platform == "win32", reason="a Linux installer")
def test_install_for_one_user_needs_no_root_and_leaves_udev_alone(fake_app: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DESTDIR", "XDG_DATA_HOME")} | {"HOME": str(home)}
    out = install("--user", "--app", str(fake_app), env=env).stdout
    assert "sudo" in out and "--udev-only" in out
    exe = home / ".local/bin" / NAME
    assert subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout == "shipstation-desktop test\n"
    entry = (home / ".local/share/applications" / f"{NAME}.desktop").read_text()
    assert f"Exec={exe} gui\n" in entry
    assert not (home / "etc").exists()
