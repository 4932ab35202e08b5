#!/usr/bin/env bash
# The demo: installs what is missing, creates the embedded SpatiaLite database under var/,
# loads the fictitious demo region (or the real files of a directory: DEMO_DATA_DIR=../shared/data)
# and serves the dashboard on http://127.0.0.1:8000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"

ensure_debian_packages "${BASE_DEBS[@]}"
ensure_venv base
unset DATABASE_URL REDIS_URL  # the demo is the embedded set-up: SpatiaLite, eager tasks
export DEBUG="${DEBUG:-1}"
# Served over plain HTTP on loopback, even with DEBUG=0 (sros/settings.py).
export SROS_ALLOW_HTTP=1

"$PY" manage.py migrate --noinput -v0
if [ -n "${DEMO_DATA_DIR:-}" ]; then
  "$PY" manage.py load_demo --from "$DEMO_DATA_DIR"
else
  "$PY" manage.py load_demo
fi
"$PY" manage.py compute_indicators --sync
"$PY" manage.py ensure_demo_user --username demo --password demo-sros
if [ -n "${DEMO_DATA_DIR:-}" ]; then
  log "Dashboard: http://127.0.0.1:${PORT:-8000}/  — logins (password demo-sros): demo (admin), and the planificateur-<region>, directeur-<region> printed above"
else
  log "Dashboard: http://127.0.0.1:${PORT:-8000}/  — logins (password demo-sros): demo (admin), planificateur, directeur, analyste"
fi
exec "$PY" manage.py runserver "127.0.0.1:${PORT:-8000}"
