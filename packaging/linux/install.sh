#!/usr/bin/env bash
# Installs ShipStation Desktop on a Linux bench: the built app, its menu entry and icon, and the udev
# rules that let the logged-in user open the scale and the label printer.
#
#   sudo packaging/linux/install.sh --app dist/shipstation-desktop    # everything, system-wide
#   sudo packaging/linux/install.sh                                    # entry, icon, udev (app on PATH already)
#   packaging/linux/install.sh --user --app dist/shipstation-desktop   # this user only; no udev rules
#   sudo packaging/linux/install.sh --udev-only                        # only the udev rules
#   DESTDIR=/tmp/stage packaging/linux/install.sh --app …              # stage for a distro package
#
# System-wide: the app in /opt/shipstation-desktop, linked as /usr/local/bin/shipstation-desktop;
# the entry and icons under /usr/local/share; the rules in /etc/udev/rules.d. --user puts the app in
# ~/.local/opt and the rest under ~/.local/share (udev rules always need root).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
name="shipstation-desktop"
app=""
user_mode=0
udev=1
desktop=1
prefix="/usr/local"
destdir="${DESTDIR:-}"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --app) app="${2:?--app needs the built folder (dist/shipstation-desktop)}"; shift 2 ;;
    --user) user_mode=1; shift ;;
    --no-udev) udev=0; shift ;;
    --udev-only) desktop=0; shift ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$user_mode" -eq 1 ]; then
  share="${XDG_DATA_HOME:-$HOME/.local/share}"
  opt="$HOME/.local/opt/$name"
  bindir="$HOME/.local/bin"
else
  share="$prefix/share"
  opt="/opt/$name"
  bindir="$prefix/bin"
  if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: a system-wide install needs root: run it with sudo, or use --user" >&2
    exit 1
  fi
fi

step() { printf '== %s\n' "$*"; }
put() {  # put MODE SOURCE TARGET: copy one file, creating its folder
  install -D -m "$1" "$2" "$destdir$3"
  printf '   %s\n' "$destdir$3"
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

install_app() {
  [ -x "$app/$name" ] || { echo "install.sh: $app/$name is not the built app (run packaging/build.py)" >&2; exit 1; }
  step "app -> $destdir$opt"
  rm -rf "$destdir$opt"
  mkdir -p "$(dirname "$destdir$opt")" "$destdir$bindir"
  cp -a "$app" "$destdir$opt"
  ln -sfn "$opt/$name" "$destdir$bindir/$name"
  printf '   %s -> %s\n' "$destdir$bindir/$name" "$opt/$name"
}

install_desktop() {
  step "menu entry and icons -> $destdir$share"
  cp "$here/$name.desktop" "$tmp/$name.desktop"
  if [ -n "$app" ]; then
    # The menu's PATH may lack ~/.local/bin (or /usr/local/bin): name the installed executable.
    sed -i -e "s|^TryExec=.*|TryExec=$bindir/$name|" -e "s|^Exec=$name |Exec=$bindir/$name |" "$tmp/$name.desktop"
  fi
  put 644 "$tmp/$name.desktop" "$share/applications/$name.desktop"
  for icon in "$here"/icons/hicolor/*/apps/"$name".*; do
    put 644 "$icon" "$share/icons/hicolor/${icon#"$here"/icons/hicolor/}"
  done
  if [ -z "$destdir" ]; then
    if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$share/applications"; fi
    if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t -f "$share/icons/hicolor"; fi
  fi
}

install_udev() {
  step "udev rules for scales and printers -> $destdir/etc/udev/rules.d"
  cp "$here/60-$name.rules" "$tmp/60-$name.rules"
  if ! getent group dialout >/dev/null && getent group uucp >/dev/null; then
    sed -i 's/GROUP="dialout"/GROUP="uucp"/' "$tmp/60-$name.rules"  # Arch and its derivatives
    echo "   serial ports: group uucp (this system has no dialout group)"
  fi
  put 644 "$tmp/60-$name.rules" "/etc/udev/rules.d/60-$name.rules"
  [ -z "$destdir" ] || return 0
  if command -v udevadm >/dev/null; then
    udevadm control --reload
    udevadm trigger --action=change --subsystem-match=tty --subsystem-match=hidraw \
      --subsystem-match=usbmisc --subsystem-match=usb
    echo "   udev reloaded: unplug the scale and the printer and plug them in again"
  else
    echo "   udevadm not found: restart the computer for the rules to apply"
  fi
}

if [ "$desktop" -eq 1 ]; then
  if [ -n "$app" ]; then install_app; fi
  install_desktop
fi
if [ "$udev" -eq 1 ]; then
  if [ "$user_mode" -eq 1 ]; then
    echo "== udev rules skipped: they need root. Once per computer: sudo $here/install.sh --udev-only"
  else
    install_udev
  fi
fi
echo "done. Start it from the menu (ShipStation Desktop) or run: $name gui"
