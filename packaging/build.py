"""Builds the one-folder app with PyInstaller (packaging/pyinstaller/shipstation-desktop.spec).

    .venv/bin/python packaging/build.py                       # -> dist/shipstation-desktop/
    .venv/bin/python packaging/build.py --dist /tmp/out --work /tmp/work
    .venv\\Scripts\\python packaging\\build.py --windowed     # Windows, no console window

A Python script rather than a shell one so the same command works on Linux, Windows and macOS. It
runs PyInstaller with the Python that runs it (install the test extra, which has PyInstaller:
`pip install -e '.[test]'`), then starts the built executable with --version to prove it runs, and
prints the build time and the folder's size. tests/packaging/test_packaged_app.py runs it too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "pyinstaller" / "shipstation-desktop.spec"
NAME = "shipstation-desktop"


def executable(dist: Path) -> Path:
    """The built app's executable inside --dist."""
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / NAME / f"{NAME}{suffix}"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(dist: Path, work: Path, *, windowed: bool = False) -> Path:
    try:
        import PyInstaller  # noqa: F401  (only to say clearly what is missing)
    except ImportError:
        raise SystemExit(
            f"PyInstaller is not installed for {sys.executable}: pip install -e '.[test]' (or pip install pyinstaller)"
        ) from None
    env = dict(os.environ)
    if windowed:
        env["SHIPSTATION_WINDOWED"] = "1"
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"PyInstaller failed (exit {done.returncode})")
    return executable(dist)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder (default: build/)")
    parser.add_argument("--windowed", action="store_true", help="no console window (Windows, macOS)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    exe = build(args.dist.resolve(), args.work.resolve(), windowed=args.windowed)
    seconds = time.monotonic() - started
    size_mb = folder_size(exe.parent) / 1_000_000
    if not args.windowed:  # a windowed executable has no stdout to answer on
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False, timeout=120)
        if version.returncode != 0:
            raise SystemExit(f"the built app does not start: {version.stderr.strip() or version.returncode}")
        print(version.stdout.strip())
    print(f"built {exe} in {seconds:.0f} s; the folder is {size_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
