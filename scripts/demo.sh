#!/usr/bin/env bash
# The demo: installs what is missing, creates the embedded SpatiaLite database under var/,
# loads the fictitious demo region (or the real files of a directory: DEMO_DATA_DIR=../shared/data)
# and serves the dashboard on http://127.0.0.1:8000.
#   PORT=8093                          serve on another port (default 8000)
#   SROS_VAR_DIR=/tmp/x                keep the SpatiaLite file and caches elsewhere (default var/)
#   DEMO_DATABASE_URL=postgis://…/db   use that database instead of the SpatiaLite file
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"

ensure_debian_packages "${BASE_DEBS[@]}"
ensure_venv base
# The demo is the embedded set-up: SpatiaLite, eager tasks. A DATABASE_URL or REDIS_URL left in
# the environment (a developer's, CI's) is never used, so the demo cannot write into it.
unset DATABASE_URL REDIS_URL
if [ -n "${DEMO_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$DEMO_DATABASE_URL"
fi
export DEBUG="${DEBUG:-1}"
# Served over plain HTTP on loopback, even with DEBUG=0 (config/settings.py).
export SROS_ALLOW_HTTP=1
PORT="${PORT:-8000}"

step() {  # runs manage.py "$@" and says how long it took
  local start=$SECONDS
  "$PY" manage.py "$@"
  log "manage.py $1: $((SECONDS - start)) s"
}

step migrate --noinput -v0
if [ -n "${DEMO_DATA_DIR:-}" ]; then
  step load_demo --from "$DEMO_DATA_DIR"
else
  step load_demo
fi
step compute_indicators --sync
step ensure_demo_user --username demo --password demo-sros
if [ -n "${DEMO_DATA_DIR:-}" ]; then
  log "Dashboard: http://127.0.0.1:$PORT/  — logins (password demo-sros): demo (admin), and the planificateur-<region>, directeur-<region> printed above"
else
  log "Dashboard: http://127.0.0.1:$PORT/  — logins (password demo-sros): demo (admin), planificateur, directeur, analyste"
fi
exec "$PY" manage.py runserver "127.0.0.1:$PORT"
