#!/usr/bin/env bash
# Installs what the SROS planner needs on Debian 12, idempotently; sourced by demo.sh and test.sh.
#   - Debian packages (GDAL, SpatiaLite, PostGIS, Chromium) when missing: installed as root,
#     named in a clear message otherwise;
#   - a virtualenv in .venv made from Debian's /usr/bin/python3.11, whose sqlite3 can load
#     extensions (the pyenv python's cannot, and SpatiaLite needs it);
#   - the Python packages of pyproject.toml (with the dev extras for the tests).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1;34m[sros]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[sros] %s\033[0m\n' "$*" >&2; exit 1; }

deb_missing() {  # prints the packages of "$@" that are not installed
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

ensure_debian_packages() {
  local missing
  missing=$(deb_missing "$@" | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    die "Missing Debian packages: $missing— run as root: apt-get update && apt-get install -y $missing"
  fi
  log "Installing Debian packages: $missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

ensure_venv() {  # $1: pip extras spec, e.g. ".[dev]" or "."
  [ -x /usr/bin/python3.11 ] || die "Debian's /usr/bin/python3.11 is required (apt-get install python3.11)"
  if [ ! -x "$PY" ]; then
    log "Creating $VENV from /usr/bin/python3.11"
    /usr/bin/python3.11 -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$1" sum
  sum=$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)
  # The dev extras include the base packages: a venv installed for the tests serves the demo
  # as it is (reinstalling would re-point a shared venv's editable install at this checkout).
  if [ "$1" = base ] && [ "$(cat "$VENV/.installed-dev" 2>/dev/null)" = "$sum" ]; then
    return 0
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    log "Installing Python packages ($1)"
    local spec="$ROOT[$1]" pip_log="$VENV/pip-install.log"
    [ "$1" = base ] && spec="$ROOT"
    # pip and setuptools are chatty; their output is kept in a log shown only on failure.
    if ! { "$PY" -m pip install --upgrade pip && "$PY" -m pip install -e "$spec"; } >"$pip_log" 2>&1; then
      tail -40 "$pip_log" >&2
      die "pip install failed (full log: $pip_log)"
    fi
    echo "$sum" > "$stamp"
  fi
}

# WeasyPrint (PDF reports) needs Pango, HarfBuzz, Fontconfig and a font; poppler-utils gives
# pdftoppm/pdftotext to look at a report.
BASE_DEBS=(python3.11-venv gdal-bin libgdal32 libgeos-c1v5 libproj25 libsqlite3-mod-spatialite
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core
  poppler-utils)
