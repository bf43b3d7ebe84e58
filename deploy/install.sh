#!/bin/bash
# Turn a Debian 12 / Raspberry Pi OS (bookworm) box into a counter terminal that boots
# straight into the kiosk.  Run as root from a checkout:   sudo deploy/install.sh
#
#   --mode cage|console  cage: full screen in the cage compositor + foot terminal (default,
#                        needs a display with DRM/KMS); console: on the Linux console, TERM=linux
#   --font-size N        foot's font size (points); default: from the panel's mode,
#                        min(width / 64, height / 40), a grid of about 80x24 (see deploy/foot.ini)
#   --no-apt             do not install Debian packages (they are already there)
#   --no-enable          install everything but do not enable the unit
#   --no-venv            do not build /opt/csat-kiosk (only with DESTDIR, for packaging tests)
#
# DESTDIR=/some/dir stages the files there instead (no apt, user, chown or systemctl).
# A shop's existing /etc/csat-kiosk/config.toml is never overwritten.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DESTDIR=${DESTDIR:-}
USER_NAME=csat-kiosk
PREFIX=/opt/csat-kiosk
CONF_DIR=/etc/csat-kiosk
STATE_DIR=/var/lib/csat-kiosk
LIBEXEC=/usr/local/lib/csat-kiosk
UNIT_DIR=/etc/systemd/system

mode=cage
font_size=
apt=yes
enable=yes
venv=yes

die() { echo "install.sh: $*" >&2; exit 2; }
say() { echo "==> $*"; }

while [ $# -gt 0 ]; do
    case $1 in
        --mode) mode=${2:-}; shift 2 ;;
        --mode=*) mode=${1#--mode=}; shift ;;
        --font-size) font_size=${2:-}; shift 2 ;;
        --font-size=*) font_size=${1#--font-size=}; shift ;;
        --no-apt) apt=no; shift ;;
        --no-enable) enable=no; shift ;;
        --no-venv) venv=no; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
case $mode in cage|console) ;; *) die "--mode must be cage or console, got '$mode'" ;; esac
if [ -n "$font_size" ] && ! [[ $font_size =~ ^[0-9]+$ && $font_size -ge 6 && $font_size -le 96 ]]; then
    die "--font-size must be a whole number of points from 6 to 96, got '$font_size'"
fi
if [ -z "$DESTDIR" ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root (sudo deploy/install.sh), or set DESTDIR to stage the files"
    [ "$venv" = yes ] || die "--no-venv only makes sense with DESTDIR"
fi
if [ ! -f "$SRC/pyproject.toml" ] || [ ! -f "$SRC/config.toml" ]; then
    die "run it from a csat-kiosk checkout ($SRC has no pyproject.toml or config.toml)"
fi

# The panel's mode ("1920x1080"), from the first connected DRM connector's preferred mode.
panel_mode() {
    local status
    for status in /sys/class/drm/card*-*/status; do
        if [ ! -r "$status" ] || [ "$(cat "$status")" != connected ]; then continue; fi
        head -n 1 "${status%/status}/modes" 2>/dev/null
        return
    done
}
# DejaVu Sans Mono in foot (dpi-aware=no) measured under cage: a cell is 0.8 x 1.65 px per
# point, so size = min(width / 64, height / 40) gives at least 80 columns and 24 rows.
if [ -z "$font_size" ]; then
    mode_text=$(panel_mode || true)
    if [[ ${mode_text:-} =~ ^([0-9]+)x([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 640 ]; then
        width=${BASH_REMATCH[1]} height=${BASH_REMATCH[2]}
        font_size=$(( width / 64 < height / 40 ? width / 64 : height / 40 ))
        say "panel is ${width}x${height}: font size $font_size (a grid of about 80x24)"
    else
        font_size=20
        say "no connected panel found: font size $font_size (a 1280x800 panel); change with --font-size"
    fi
fi

if [ -z "$DESTDIR" ] && [ "$apt" = yes ]; then
    packages=(python3 python3-venv)
    # cage 0.1.4 (Debian 12) refuses to start without Xwayland, and does not pull it in.
    if [ "$mode" = cage ]; then packages+=(cage xwayland foot fonts-dejavu-core); else packages+=(console-setup); fi
    say "Debian packages: ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

if [ -z "$DESTDIR" ]; then
    if ! getent passwd "$USER_NAME" >/dev/null; then
        say "system user $USER_NAME (no password, no shell)"
        useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
                --shell /usr/sbin/nologin --comment "CSAT counter kiosk" "$USER_NAME"
    fi
    # Display and input without logind (logind normally grants them to the tty1 session).
    for group in video input render; do
        if getent group "$group" >/dev/null; then usermod -a -G "$group" "$USER_NAME"; fi
    done
fi

if [ "$venv" = yes ]; then
    say "Python environment in $DESTDIR$PREFIX"
    python3 -m venv "$DESTDIR$PREFIX"
    "$DESTDIR$PREFIX/bin/python" -m pip install --quiet --upgrade pip
    "$DESTDIR$PREFIX/bin/python" -m pip install --quiet "$SRC"
fi

say "launcher, units and PAM service"
install -d -m 0755 "$DESTDIR$LIBEXEC" "$DESTDIR$UNIT_DIR" "$DESTDIR/etc/pam.d" "$DESTDIR$PREFIX/share"
install -m 0755 "$SRC/deploy/kiosk-in-cage" "$DESTDIR$LIBEXEC/kiosk-in-cage"
install -m 0644 "$SRC/deploy/csat-kiosk.service" "$SRC/deploy/csat-kiosk-console.service" "$DESTDIR$UNIT_DIR/"
install -m 0644 "$SRC/deploy/pam.d-csat-kiosk" "$DESTDIR/etc/pam.d/csat-kiosk"
install -m 0644 "$SRC/README.md" "$DESTDIR$PREFIX/share/README.md"

# Config: readable by the kiosk, writable only by root (a customer who got a shell
# as the kiosk user still could not change it).
owner=()
[ -z "$DESTDIR" ] && owner=(-o root -g "$USER_NAME")
install -d -m 0750 "${owner[@]}" "$DESTDIR$CONF_DIR"
if [ -e "$DESTDIR$CONF_DIR/config.toml" ]; then
    say "keeping the existing $CONF_DIR/config.toml"
else
    say "config $CONF_DIR/config.toml (data in $STATE_DIR)"
    tmp=$(mktemp)
    sed -e "s|^data_dir = .*|data_dir = \"$STATE_DIR\"|" \
        -e "s|^export_dir = .*|export_dir = \"$STATE_DIR/exports\"|" "$SRC/config.toml" > "$tmp"
    install -m 0640 "${owner[@]}" "$tmp" "$DESTDIR$CONF_DIR/config.toml"
    rm -f "$tmp"
fi
tmp=$(mktemp)
sed -e "s|^font=DejaVu Sans Mono:size=.*|font=DejaVu Sans Mono:size=$font_size|" "$SRC/deploy/foot.ini" > "$tmp"
install -m 0644 "$tmp" "$DESTDIR$CONF_DIR/foot.ini"
rm -f "$tmp"

# Data: only the kiosk user (and its group, for backups) can read the answers.
owner=()
[ -z "$DESTDIR" ] && owner=(-o "$USER_NAME" -g "$USER_NAME")
install -d -m 0750 "${owner[@]}" "$DESTDIR$STATE_DIR" "$DESTDIR$STATE_DIR/exports"

if [ -n "$DESTDIR" ]; then
    say "staged in $DESTDIR (no user, no systemctl)"
    exit 0
fi

if [ "$mode" = console ] && [ -f /etc/default/console-setup ]; then
    # The largest console font Debian ships: 16x32 px cells, 80x25 on a 1280x800 panel.
    say "console font TerminusBold 16x32 (/etc/default/console-setup)"
    sed -i -e 's/^FONTFACE=.*/FONTFACE="TerminusBold"/' -e 's/^FONTSIZE=.*/FONTSIZE="16x32"/' \
        /etc/default/console-setup
fi

say "checking the config as the kiosk user"
runuser -u "$USER_NAME" -- "$PREFIX/bin/kiosk" stats --config "$CONF_DIR/config.toml" >/dev/null \
    || die "the kiosk refused $CONF_DIR/config.toml (see the line above); fix it and run install.sh again"

unit=csat-kiosk.service other=csat-kiosk-console.service
[ "$mode" = console ] && unit=csat-kiosk-console.service other=csat-kiosk.service
systemctl daemon-reload
if [ "$enable" = yes ]; then
    say "enabling $unit at boot"
    systemctl disable --quiet "$other" 2>/dev/null || true
    systemctl enable --quiet "$unit"
    systemctl set-default --quiet multi-user.target
fi

cat <<EOF

Done.  Next:
  set the staff PIN:  sudo runuser -u $USER_NAME -- $PREFIX/bin/kiosk set-pin --config $CONF_DIR/config.toml
  start it now:       sudo systemctl start $unit     (or reboot)
  logs:               journalctl -u $unit
EOF
