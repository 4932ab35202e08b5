#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian packages, Python packages), makes sure
# PostgreSQL/PostGIS and Redis answer on loopback (starting them if installed but stopped),
# checks lint, formatting and migrations, then runs pytest on PostGIS. Extra args go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"

ensure_debian_packages "${BASE_DEBS[@]}" postgresql-15-postgis-3 chromium redis-server fonts-dejavu-core
ensure_venv dev

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up; then
  log "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect 15 main start || true
  for _ in $(seq 30); do pg_up && break; sleep 1; done
  pg_up || die "PostgreSQL does not answer on 127.0.0.1:5432"
fi
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  log "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis_up && break; sleep 1; done
  redis_up || die "Redis does not answer on 127.0.0.1:6379"
fi

export DATABASE_URL="${TEST_DATABASE_URL:-postgis://postgres@127.0.0.1:5432/sros}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
# The test servers (live_server, the Celery worker) speak plain HTTP on loopback: no HTTPS
# redirect, no secure-only cookies (sros/settings.py). Production never sets it.
export SROS_ALLOW_HTTP=1
# pytest-django creates test_sros and runs CREATE EXTENSION postgis, which needs a superuser.
is_super=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc \
  "select rolsuper from pg_roles where rolname = current_user" 2>/dev/null || true)
[ "$is_super" = t ] || die "PostgreSQL on 127.0.0.1:5432 must accept user postgres as a superuser"

psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'sros'" \
  | grep -q 1 || createdb -h 127.0.0.1 -U postgres sros

log "ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
log "import contracts (docs/architecture.md)"
"$VENV/bin/lint-imports" --no-cache >/dev/null || { "$VENV/bin/lint-imports" --no-cache; die "import contracts broken"; }
log "migrations are up to date"
"$PY" manage.py makemigrations --check --dry-run >/dev/null
log "pytest"
# Two processes (pytest-xdist; each its own test database and Redis database, tests/xdist_env.py),
# a test module never split between them (its module fixtures load once). SROS_TEST_PROCESSES=0
# runs in one process. The 20 slowest tests close the report: the suite must stay well inside
# CI's time limit.
exec "$PY" -m pytest -n "${SROS_TEST_PROCESSES:-2}" --dist loadfile --durations=20 "$@"
