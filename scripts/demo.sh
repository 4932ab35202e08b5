#!/usr/bin/env bash
# The demo: installs what is missing, creates the embedded SpatiaLite database under var/,
# loads the fictitious demo region (or the real files of a directory: DEMO_DATA_DIR=../shared/data)
# and serves the dashboard on http://127.0.0.1:8000, with a real Celery worker and beat on a
# SQLite broker under var/ (no Redis; docs/demo-worker.md), stopped with the server.
#   PORT=8093                          serve on another port (default 8000)
#   SROS_VAR_DIR=/tmp/x                keep the SpatiaLite file and caches elsewhere (default var/)
#   DEMO_DATABASE_URL=postgis://…/db   use that database instead of the SpatiaLite file
#   DEMO_WORKER=0                      no worker: tasks run inside the web process (eagerly)
#   SROS_BASEMAP_URL=https://…/{z}/{x}/{y}…  a background map (none by default: docs/demo-worker.md)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"

ensure_debian_packages "${BASE_DEBS[@]}"
ensure_venv base
# The demo is the embedded set-up: SpatiaLite and a SQLite broker. A DATABASE_URL or REDIS_URL
# left in the environment (a developer's, CI's) is never used, so the demo cannot write into it.
unset DATABASE_URL REDIS_URL CELERY_TASK_ALWAYS_EAGER
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

VAR="${SROS_VAR_DIR:-$ROOT/var}"
mkdir -p "$VAR/logs"
# Setting up runs its tasks in this process (eagerly); the server's runs go to the worker.
export SROS_DEMO_WORKER=0
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

children=()
stop_children() {  # the worker and beat end with the server, whatever ends it
  local pid alive
  # TERM to each main process: the worker then stops its own pool (a TERM to the whole group
  # would kill the pool under it, and the worker's warm shutdown could wait on them).
  for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do  # up to 20 s
    alive=0
    for pid in "${children[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  # Whatever is left (a process that did not stop, a pool process it left behind) is killed:
  # the worker and beat each lead a process group of their own (set -m below).
  for pid in "${children[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_children EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "${DEMO_WORKER:-1}" != 0 ]; then
  export SROS_DEMO_WORKER=1
  # The broker's and results' tables made once, before three processes would race to.
  "$PY" manage.py shell --no-imports -c "from config.celery import prepare_sqlite_broker; prepare_sqlite_broker()"
  # Each in its own process group (set -m), so that stopping it stops its pool processes too.
  set -m
  "$PY" -m celery -A config worker --concurrency 2 --without-gossip --without-mingle \
    --loglevel INFO --logfile "$VAR/logs/worker.log" &
  children+=($!)
  "$PY" -m celery -A config beat --schedule "$VAR/celerybeat-schedule" \
    --loglevel INFO --logfile "$VAR/logs/beat.log" &
  children+=($!)
  set +m
  log "Celery worker and beat started (logs: $VAR/logs/worker.log, beat.log)"
else
  export SROS_DEMO_WORKER=0
fi
# In the background, with `wait`: a TERM or Ctrl-C reaches this script at once (bash runs
# no trap while a foreground command runs), and the trap stops the server with the rest.
"$PY" manage.py runserver --noreload "127.0.0.1:$PORT" &
children+=($!)
wait "${children[-1]}"
