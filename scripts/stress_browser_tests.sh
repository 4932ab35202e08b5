#!/usr/bin/env bash
# Issue 14's check: the browser tests (marker "browser") and the tests on a real Celery worker
# (every test module using tests/worker.py) run ROUNDS times in a row (default 10) while
# stress-ng keeps CPU workers busy (STRESS_CPUS, default 2: the whole machine), stopping at the
# first failure. One summary line per round; each round's pytest output is kept in
# var/stress/round-N.log.
#
#   ./scripts/stress_browser_tests.sh            # 10 rounds under stress-ng --cpu 2
#   ./scripts/stress_browser_tests.sh 3 -k map   # 3 rounds, extra arguments go to pytest
#   STRESS_CPUS=0 ./scripts/stress_browser_tests.sh 1   # one round on a quiet machine
#
# It uses the same database and Redis as scripts/test.sh (DATABASE_URL / REDIS_URL when set,
# else TEST_DATABASE_URL / TEST_REDIS_URL, else test.sh's defaults) and keeps the test database
# between rounds (--reuse-db: migrations still run, the first round creates it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"

rounds="${1:-10}"
[ $# -gt 0 ] && shift
[[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] || die "ROUNDS must be a positive integer, not '$rounds'"
cpus="${STRESS_CPUS:-2}"
[[ "$cpus" =~ ^[0-9]+$ ]] || die "STRESS_CPUS must be a whole number, not '$cpus'"

[ -x "$PY" ] || die "No virtualenv in $VENV: run ./scripts/test.sh once first"
if [ "$cpus" -gt 0 ]; then
  ensure_debian_packages stress-ng
fi

export DATABASE_URL="${DATABASE_URL:-${TEST_DATABASE_URL:-postgis://postgres@127.0.0.1:5432/sros}}"
export REDIS_URL="${REDIS_URL:-${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}}"
PYTEST=("$PY" -m pytest -p no:cacheprovider --reuse-db)

# Whole modules that start a worker, plus every browser test of the other modules (some
# modules mix browser tests with plain ones: only the browser ones are taken there).
mapfile -t worker_files < <(grep -l "from tests.worker import" tests/test_*.py | sort)
mapfile -t browser_tests < <(
  "${PYTEST[@]}" --collect-only -q -m browser tests | grep '::' \
    | grep -v -F -f <(printf '%s::\n' "${worker_files[@]}")
)
selection=("${worker_files[@]}" "${browser_tests[@]}")
[ ${#browser_tests[@]} -gt 0 ] || die "no browser test collected"
log "${#worker_files[@]} worker modules and ${#browser_tests[@]} other browser tests, $rounds rounds"

stress_pid=""
stop_stress() {
  if [ -n "$stress_pid" ]; then
    kill "$stress_pid" 2>/dev/null || true
    wait "$stress_pid" 2>/dev/null || true
  fi
}
trap stop_stress EXIT
if [ "$cpus" -gt 0 ]; then
  stress-ng --cpu "$cpus" --quiet &
  stress_pid=$!
  log "stress-ng --cpu $cpus running (pid $stress_pid)"
fi

mkdir -p var/stress
started=$SECONDS
for round in $(seq 1 "$rounds"); do
  out="var/stress/round-$round.log"
  begin=$SECONDS
  status=0
  "${PYTEST[@]}" -q -x --durations=5 "${selection[@]}" "$@" >"$out" 2>&1 || status=$?
  summary=$(grep -E '^[=]* ?[0-9]+ (passed|failed)|(passed|failed|error).* in [0-9.]+s' "$out" | tail -1 | tr -d '=')
  load=$(cut -d' ' -f1 /proc/loadavg)
  printf 'round %d/%d: %s (%ds, load %s)\n' "$round" "$rounds" "${summary:-no summary}" \
    "$((SECONDS - begin))" "$load"
  if [ "$status" -ne 0 ]; then
    log "round $round failed (pytest exit $status): see $out"
    exit "$status"
  fi
done
log "all $rounds rounds green in $((SECONDS - started)) s"
