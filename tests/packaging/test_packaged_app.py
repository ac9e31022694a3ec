"""The packaged app: packaging/build.py builds the one-folder app once per session, and the BUILT
executable (not the source tree) answers --version, seeds the demo bench, ships an order headless,
renders a label with its bundled fonts, keeps its files in the platform's user dirs and opens its
window offscreen.

No skip when PyInstaller is missing: the build fails and so does every test here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pypdfium2 as pdfium
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "packaging" / "build.py"
PACKAGE = ROOT / "shipstation_desktop"
NAME = "shipstation-desktop"
VERSION_LINE = f"{NAME} {metadata.version(NAME)}"
XDG = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built executable. Building takes a minute or two on two cores."""
    out = tmp_path_factory.mktemp("pyinstaller")
    # PyInstaller keeps a cache in the user's home unless told otherwise.
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(out / "cache")}
    cmd = [sys.executable, str(BUILD_SCRIPT), "--dist", str(out / "dist"), "--work", str(out / "work")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800, check=False)
    assert done.returncode == 0, f"build failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    assert VERSION_LINE in done.stdout  # the build script starts the result once itself
    exe = out / "dist" / NAME / (f"{NAME}.exe" if sys.platform == "win32" else NAME)
    assert exe.is_file()
    return exe


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """A person's environment with everything user-specific pointed into the test's tmp dir."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "SHIPSTATION_DESKTOP_", "DBUS_", "QT_", "PYTHON", "PYINSTALLER"))
    }
    runtime = home / "runtime"
    runtime.mkdir(parents=True, mode=0o700)
    dirs = {name: str(home / name.removeprefix("XDG_").removesuffix("_HOME").lower()) for name in XDG}
    return (
        keep
        | dirs
        | {
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "QT_QPA_PLATFORM": "offscreen",
            # Never the real keyring of whoever runs the tests: the app's honest no-keyring path.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
    )


def run(app: Path, env: dict[str, str], *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(app), *argv], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == code, f"{argv} exited {done.returncode}: {done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def test_version_from_the_top_and_from_any_command(app: Path, env: dict[str, str]) -> None:
    assert run(app, env, "--version").stdout.strip() == VERSION_LINE
    # `gui --version` answers instead of opening the window; `ship --version` without an order too.
    for argv in (("gui", "--version"), ("ship", "--version"), ("hub", "serve", "--version")):
        assert run(app, env, *argv).stdout.strip() == VERSION_LINE


def test_bundle_holds_every_resource_and_migration(app: Path) -> None:
    bundled = app.parent / "_internal" / "shipstation_desktop"
    wanted = [p for p in (PACKAGE / "resources").rglob("*") if p.is_file()]
    for package in ("persistence/migrations", "sync/central_migrations"):
        # Alembic reads env.py and every revision as files, not from the frozen archive.
        wanted += [p for p in (PACKAGE / package).rglob("*.py") if "__pycache__" not in p.parts]
    wanted.append(PACKAGE / "persistence" / "migrations" / "script.py.mako")
    missing = [str(p.relative_to(PACKAGE)) for p in wanted if not (bundled / p.relative_to(PACKAGE)).is_file()]
    assert not missing
    assert len(wanted) > 20
    # Data that third-party libraries read from their package folders at run time.
    internal = bundled.parent
    for language in ("en", "es", "ro", "ru", "zh"):  # the GUI's languages: CLDR dates, numbers, plurals
        assert (internal / "babel" / "locale-data" / f"{language}.dat").is_file()
    assert (internal / "pycountry" / "databases" / "iso3166-1.json").is_file()
    assert (internal / "escpos" / "capabilities.json").is_file()
    assert (internal / "PySide6" / "Qt" / "plugins" / "iconengines").is_dir()  # the SVG window icon


def test_demo_bench_ships_an_order_headless(app: Path, env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "bench"
    seeded = json.loads(run(app, env, "--data-dir", str(data), "demo", "seed", "--json").stdout)
    assert seeded["orders"] == 200 and seeded["skipped"] is False

    shipment = json.loads(run(app, env, "ship", "SO-10002", "--json", "--data-dir", str(data)).stdout)
    assert shipment["order_number"] == "SO-10002"
    assert shipment["carrier"] == "simulated" and shipment["status"] == "label_created"
    assert shipment["tracking_number"].startswith("1Z")
    assert shipment["printed"] is True and shipment["print_error"] is None
    label = Path(shipment["label_path"])
    assert label.parent == data / "spool" and label.read_bytes().startswith(b"^XA")
    assert shipment["weight_check"]["ok"] is True

    listed = json.loads(
        run(app, env, "--data-dir", str(data), "shipments", "list", "--search", "SO-10002", "--json").stdout
    )
    assert [s["tracking_number"] for s in listed] == [shipment["tracking_number"]]
    # No secure keyring here: the app says so and keeps working.
    assert "Keyring: NOT available" in run(app, env, "--data-dir", str(data), "diagnostics").stdout


def test_label_render_embeds_the_bundled_fonts(app: Path, env: dict[str, str], tmp_path: Path) -> None:
    address = {"line1": "500 Industrial Way", "city": "Reno", "state": "NV", "postal_code": "89502", "country": "US"}
    shipment = {
        "carrier": "UPS",
        "service": "Ground",
        "tracking_number": "1Z999AA10123456784",
        "reference": "SO-10002",
        "weight": {"value": 2.5, "unit": "lb"},
        "ship_from": address | {"name": "Demo Warehouse"},
        "ship_to": address | {"name": "Иван Петров 王小明"},
    }
    source = tmp_path / "shipment.json"
    source.write_text(json.dumps(shipment, ensure_ascii=False), "utf-8")
    pdf = tmp_path / "label.pdf"
    run(app, env, "label", "render", "--shipment", str(source), "--format", "pdf", "-o", str(pdf))
    raw = pdf.read_bytes()
    # Cyrillic from DejaVu Sans, Chinese from Droid Sans Fallback: both shipped in resources/fonts.
    assert b"DejaVuSans" in raw and b"DroidSansFallback" in raw
    document = pdfium.PdfDocument(raw)
    try:
        width, height = document[0].get_size()
        assert (round(width), round(height)) == (288, 432)  # 4x6 in at 72 pt/in
    finally:
        document.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG base dirs are the Linux convention")
def test_files_go_to_the_platform_user_dirs(app: Path, env: dict[str, str], home: Path) -> None:
    out = run(app, env, "db", "upgrade").stdout
    database = Path(env["XDG_DATA_HOME"]) / NAME / "bench.sqlite3"
    assert str(database) in out and database.is_file()
    assert (Path(env["XDG_STATE_HOME"]) / NAME / "log" / f"{NAME}.log").is_file()
    assert f"Data dir: {database.parent}" in run(app, env, "diagnostics").stdout
    # Nothing lands in the home folder outside the XDG dirs.
    assert {p.name for p in home.iterdir()} <= {"data", "config", "cache", "state", "runtime"}


def _orders_in(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM orders").fetchone()[0])
    except sqlite3.OperationalError:  # not created or not migrated yet
        return 0


def test_gui_opens_offscreen_and_seeds_the_demo(app: Path, env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "bench"
    errors = tmp_path / "gui.err"
    with errors.open("w") as err:
        gui = subprocess.Popen([str(app), "gui", "--demo", "--data-dir", str(data)], env=env, stderr=err)
    try:
        # The window's op runner seeds in the background; a subprocess has no signal to wait on.
        deadline = time.monotonic() + 120
        while _orders_in(data / "bench.sqlite3") < 200 and gui.poll() is None and time.monotonic() < deadline:
            time.sleep(0.25)
        assert gui.poll() is None, f"the GUI exited with {gui.returncode}: {errors.read_text()}"
        assert _orders_in(data / "bench.sqlite3") == 200
    finally:
        gui.terminate()
        gui.wait(timeout=30)
    assert "Traceback" not in errors.read_text()
