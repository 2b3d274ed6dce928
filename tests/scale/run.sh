#!/usr/bin/env bash
# make test-scale: the deployments on a self-hosted Prefect server backed by PostgreSQL, with two
# process workers pulling from a work pool, building a batch of generated sessions.
#
#   1. PostgreSQL (Debian package, installed if missing): initdb + pg_ctl in a temp folder, free port
#   2. `prefect server start` against it (PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://...)
#   3. a process work pool, two `prefect worker start` (one flow run at a time each)
#   4. `prefect deploy --all` from this checkout (prefect.yaml)
#   5. SCALE_SESSIONS (default 24) sessions copied from inputs/ with new ids and deadlines, plus one due
#      much later and one without notes; `prefect deployment run` of the deadline sweep (the batch)
#      and of build-session (the later one), in parallel on the two workers
#   6. the scheduler's next runs of the daily sweep; every output checked (PDF, DOCX, HTML, report.json, build.json), the task runs and artifacts
#      as the server recorded them, rows in PostgreSQL; then the sweep again: every session unchanged
#   7. failures as a user meets them: an unknown session id and a batch with a broken session end Failed
#      with their located errors in the message and no traceback in the logs
#   8. killed workers: a run whose worker alone is killed (kill -9) still completes every session; a run
#      whose worker and flow-run process are killed is marked Crashed by the heartbeat automation;
#      a worker stops on SIGTERM (a second one, on Prefect 3.9.1)
#   9. everything it started is stopped on exit (trap), and the temp folder removed
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=$ROOT/.venv/bin/python
PREFECT=$ROOT/.venv/bin/prefect
SESSIONS=${SCALE_SESSIONS:-24}
DOCS=session_report
T0=$(date +%s)
WORK=$(mktemp -d /tmp/igf-scale.XXXXXX)
chmod 755 "$WORK"
PGDATA=$WORK/pg
PG_BIN=
PIDS=()

log() { echo "[scale +$(($(date +%s) - T0))s] $*"; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  if [ -n "$PG_BIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  if [ "$rc" != 0 ]; then
    for f in "$WORK"/*.log; do
      [ -f "$f" ] && { echo "---- $f (last 40 lines)"; tail -n 40 "$f"; }
    done
    log "FAILED (exit $rc)"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- 1. PostgreSQL
find_pg() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PG_BIN=$(find_pg)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  log "installing PostgreSQL (Debian package)"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PG_BIN=$(find_pg)
  # The package may have created and started its own cluster: this test uses its own, so stop that one.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1, $2}' | while read -r ver name; do
      $SUDO pg_ctlcluster "$ver" "$name" stop || true
    done
  fi
fi
PGPORT=$(free_port)
mkdir -p "$PGDATA"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-sync >"$WORK/initdb.log"
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
"$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "CREATE DATABASE prefect"
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PGPORT"

# ---------------------------------------------------------------- 2. Prefect server on PostgreSQL
export PREFECT_HOME=$WORK/prefect-home
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_LOGGING_LEVEL=WARNING
unset PREFECT_API_URL
API_PORT=$(free_port)
PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://postgres@127.0.0.1:$PGPORT/prefect" \
  setsid "$PREFECT" server start --host 127.0.0.1 --port "$API_PORT" --no-ui --analytics-off >"$WORK/server.log" 2>&1 &
PIDS+=($!)
export PREFECT_API_URL=http://127.0.0.1:$API_PORT/api
"$PY" - <<'EOF'
import os, time, urllib.request
url = os.environ["PREFECT_API_URL"] + "/health"
deadline = time.monotonic() + 180
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        raise SystemExit(f"the Prefect server did not answer {url} within 180 s")
    time.sleep(1)
EOF
log "prefect server start: $PREFECT_API_URL (database: PostgreSQL)"

# ---------------------------------------------------------------- 3. work pool and two process workers
"$PREFECT" work-pool create igf-outcomes --type process >/dev/null
for i in 1 2; do
  # INFO: the worker logs each flow run it submits (checked below).
  PREFECT_WORKER_QUERY_SECONDS=2 PREFECT_WORKER_PREFETCH_SECONDS=5 PREFECT_LOGGING_LEVEL=INFO \
    setsid "$PREFECT" worker start --pool igf-outcomes --name "scale-worker-$i" --limit 1 \
    >"$WORK/worker-$i.log" 2>&1 &
  PIDS+=($!)
done
# An idle worker on a pool of its own, for the SIGTERM check at the end.
"$PREFECT" work-pool create igf-idle --type process >/dev/null
setsid "$PREFECT" worker start --pool igf-idle --name idle-worker >"$WORK/worker-idle.log" 2>&1 &
IDLE_WORKER=$!
PIDS+=($IDLE_WORKER)
log "work pool igf-outcomes, two process workers (and an idle one)"

# ---------------------------------------------------------------- 4. deploy from this checkout
"$PREFECT" --no-prompt deploy --all >"$WORK/deploy.log" 2>&1
"$PREFECT" deployment ls >>"$WORK/deploy.log" 2>&1
for name in build-session/build-session deadline-sweep/deadline-sweep build-sessions/build-sessions; do
  grep -q "$name" "$WORK/deploy.log" || { echo "deployment $name missing"; exit 1; }
done
# As `make deploy`, with a shorter window (the runs beat every 60 s, the killed one every 30 s), so
# that a crashed run is seen within 90 s.
"$PY" -m flows.automations --within 90 >>"$WORK/deploy.log" 2>&1
log "prefect deploy --all: build-session, deadline-sweep (daily at 06:00 UTC), build-sessions, build-sessions-dask; the heartbeat automation"

# ---------------------------------------------------------------- 5. sessions and the runs
INPUTS=$WORK/inputs
OUT=$WORK/shared-outputs
TODAY=$(date -u +%F)
"$PY" tests/scale/make_sessions.py "$INPUTS" "$SESSIONS" --deadline-from "$(date -u -d '-2 days' +%F)" \
  --documents "$DOCS" >"$WORK/sessions.txt"
mapfile -t BATCH < <(xargs -n1 basename <"$WORK/sessions.txt")
WINDOW=$((SESSIONS))  # the last generated deadline is SESSIONS-3 days ahead: all are in the window
first=$(head -n 1 "$WORK/sessions.txt")
cp -r "$first" "$INPUTS/later-ws900"
sed -i -e 's/^id:.*/id: later-ws900/' -e "s/^deadline:.*/deadline: $(date -u -d '+90 days' +%F)/" \
  "$INPUTS/later-ws900/session.yaml"
cp -r "$first" "$INPUTS/missing-ws901"
rm -rf "$INPUTS/missing-ws901/notes" "$INPUTS/missing-ws901/worksheet.xlsx"
sed -i -e 's/^id:.*/id: missing-ws901/' -e "s/^deadline:.*/deadline: $TODAY/" "$INPUTS/missing-ws901/session.yaml"

uuid() { grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -n 1; }
RUN_T0=$(date +%s)
SWEEP=$("$PREFECT" deployment run deadline-sweep/deadline-sweep \
  --params "{\"inputs\": \"$INPUTS\", \"out\": \"$OUT\", \"within_days\": $WINDOW, \"documents\": [\"$DOCS\"]}" | uuid)
ONE=$("$PREFECT" deployment run build-session/build-session \
  --params "{\"session\": \"later-ws900\", \"inputs\": \"$INPUTS\", \"out\": \"$OUT\", \"documents\": [\"$DOCS\"]}" | uuid)
log "triggered deadline-sweep ($SWEEP, ${#BATCH[@]} sessions due) and build-session ($ONE)"

# ---------------------------------------------------------------- 6. checks
"$PY" tests/scale/check.py scheduled deadline-sweep/deadline-sweep --timeout 120
# The sweep builds every due session; it ends Failed because missing-ws901 (no notes) needs attention.
"$PY" tests/scale/check.py failed "$SWEEP" --expect "missing-ws901 needs attention" --timeout 420
"$PY" tests/scale/check.py wait "$ONE" --timeout 420
"$PY" tests/scale/check.py clean "$ONE"
log "both runs ended in $(($(date +%s) - RUN_T0)) s"
"$PY" tests/scale/check.py outputs "$OUT" "${BATCH[@]}" later-ws900
[ ! -e "$OUT/missing-ws901" ] || { echo "missing-ws901 was built although it has no notes"; exit 1; }
"$PY" tests/scale/check.py server "$SWEEP" --sessions "${#BATCH[@]}"
for i in 1 2; do
  grep -qE "$SWEEP|$ONE" "$WORK/worker-$i.log" || { echo "scale-worker-$i ran no flow run"; exit 1; }
done
log "each worker ran one of the flow runs"
rows=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d prefect -tA \
  -c "SELECT (SELECT count(*) FROM flow_run) || ' flow runs, ' || (SELECT count(*) FROM task_run) || ' task runs, '
      || (SELECT count(*) FROM artifact) || ' artifacts'")
log "PostgreSQL holds $rows"

RUN_T0=$(date +%s)
AGAIN=$("$PREFECT" deployment run deadline-sweep/deadline-sweep \
  --params "{\"inputs\": \"$INPUTS\", \"out\": \"$OUT\", \"within_days\": $WINDOW, \"documents\": [\"$DOCS\"]}" | uuid)
"$PY" tests/scale/check.py failed "$AGAIN" --expect "missing-ws901 needs attention" --timeout 240
"$PY" tests/scale/check.py statuses "$AGAIN" unchanged
log "the same sweep again: every session unchanged, in $(($(date +%s) - RUN_T0)) s"

# ---------------------------------------------------------------- 7. failures as a user meets them
mkdir -p "$INPUTS/broken-ws902/notes"
printf 'title: A session\ndate: 24 June 2025\npeople: nobody\n' >"$INPUTS/broken-ws902/session.yaml"
printf '# Key takeaways\n\n- one\n' >"$INPUTS/broken-ws902/notes/note.md"
UNKNOWN=$("$PREFECT" deployment run build-session/build-session \
  --params "{\"session\": \"no-such-ws999\", \"inputs\": \"$INPUTS\", \"out\": \"$OUT\"}" | uuid)
BROKEN=$("$PREFECT" deployment run build-sessions/build-sessions \
  --params "{\"folders\": [\"$first\", \"$INPUTS/broken-ws902\"], \"out\": \"$OUT\", \"documents\": [\"$DOCS\"]}" | uuid)
"$PY" tests/scale/check.py failed "$UNKNOWN" --expect "no session 'no-such-ws999'"
"$PY" tests/scale/check.py failed "$BROKEN" --expect "broken-ws902: $INPUTS/broken-ws902/session.yaml:2:"
log "an unknown session and a broken one: Failed, their located errors logged, no traceback"

# ---------------------------------------------------------------- 8. killed workers
# Each run on its own worker (one flow run at a time each), heartbeats every 30 s.
JV='env={"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}'
KILLED_DIR=$WORK/killed-outputs
ORPHAN=$("$PREFECT" deployment run build-sessions/build-sessions --job-variable "$JV" \
  --params "{\"folders\": $(printf '%s\n' "${BATCH[@]:0:6}" | sed "s|^|$INPUTS/|" | "$PY" -c 'import json,sys; print(json.dumps(sys.stdin.read().split()))'), \"out\": \"$KILLED_DIR\", \"documents\": [\"$DOCS\"]}" | uuid)
ZOMBIE=$("$PREFECT" deployment run build-sessions/build-sessions --job-variable "$JV" \
  --params "{\"folders\": $(printf '%s\n' "${BATCH[@]:6:6}" | sed "s|^|$INPUTS/|" | "$PY" -c 'import json,sys; print(json.dumps(sys.stdin.read().split()))'), \"out\": \"$KILLED_DIR\", \"documents\": [\"$DOCS\"]}" | uuid)
"$PY" tests/scale/check.py kill "$ORPHAN" --what worker
"$PY" tests/scale/check.py kill "$ZOMBIE" --what both
"$PY" tests/scale/check.py ends "$ORPHAN" COMPLETED --timeout 300
"$PY" tests/scale/check.py clean "$ORPHAN"
"$PY" tests/scale/check.py outputs "$KILLED_DIR" "${BATCH[@]:0:6}"
log "worker killed: its flow run still completed all six sessions"
"$PY" tests/scale/check.py ends "$ZOMBIE" CRASHED --timeout 180
log "worker and flow-run process killed: the heartbeat automation marked the run Crashed"

# Prefect 3.9.1's worker answers a first SIGTERM by sending itself SIGINT, and keeps running; a second
# SIGTERM makes it kill itself (docs/prefect.md, "How to stop a worker"). Check both.
kill -TERM "$IDLE_WORKER"
for _ in $(seq 20); do kill -0 "$IDLE_WORKER" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$IDLE_WORKER" 2>/dev/null; then first="still running 10 s after one SIGTERM"; else first="exited on one SIGTERM"; fi
kill -TERM "$IDLE_WORKER" 2>/dev/null || true
for _ in $(seq 30); do kill -0 "$IDLE_WORKER" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$IDLE_WORKER" 2>/dev/null; then echo "the idle worker survived two SIGTERMs"; exit 1; fi
log "an idle worker: $first; stopped by the second"
log "PASSED: ${#BATCH[@]} + 1 sessions on PostgreSQL-backed Prefect with two process workers"
