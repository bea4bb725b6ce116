#!/usr/bin/env bash
# The application behind a real PgBouncer in transaction mode (`make pgbouncer-check`, run by .ci/run after the
# production smoke test; docs/scaling.md, "Connection pooling").
#
#   Starts Debian's pgbouncer (installed here if missing, as root) on 127.0.0.1:$PGB_PORT with a temporary
#   config and auth file, pool_mode = transaction, in front of the local PostgreSQL (user postgres, trust);
#   then, with the settings docs/scaling.md documents for a transaction pooler
#       DATABASE_PREPARE_THRESHOLD=off            (PgBouncer 1.18 keeps no prepared statements across clients)
#       DATABASE_DISABLE_SERVER_SIDE_CURSORS=1    (no WITH HOLD cursor outlives its transaction's connection)
#   runs `migrate` on a fresh database and a subset of the test suite, all through the pooler; checks from
#   PgBouncer's admin console (SHOW POOLS / SHOW STATS) that the traffic did go through it, in transaction mode;
#   stops it and drops the databases (directly on PostgreSQL, which the pooler does not allow while it holds
#   server connections to them).
#
# Environment: PG_HOST (127.0.0.1), PG_PORT (5432), PGB_PORT (6432), PGBOUNCER_CHECK_DIR (a new temporary
# folder; kept on failure, with pgbouncer's log), PGBOUNCER_CHECK_TESTS (the test files to run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PGB_PORT=${PGB_PORT:-6432}
DB=tdkt_pgbouncer
TEST_DB=test_$DB
TESTS=${PGBOUNCER_CHECK_TESTS:-tests/workflows/test_engine.py tests/workflows/test_audit.py tests/councils/test_ballots.py}
WORK=${PGBOUNCER_CHECK_DIR:-$(mktemp -d /tmp/tdkt-pgbouncer-check.XXXXXX)}
mkdir -p "$WORK"
PGB_PID=""

fail() {
  echo "pgbouncer-check FAILED: $*" >&2
  if [ -f "$WORK/pgbouncer.log" ]; then
    echo "---- last lines of $WORK/pgbouncer.log" >&2
    tail -n 30 "$WORK/pgbouncer.log" >&2
  fi
  echo "(files kept in $WORK)" >&2
  exit 1
}

direct() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }

drop_databases() {
  direct "DROP DATABASE IF EXISTS $TEST_DB WITH (FORCE)" >/dev/null 2>&1 || true
  direct "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}

stop_all() {
  local status=$?
  if [ -n "$PGB_PID" ]; then
    kill "$PGB_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$PGB_PID" 2>/dev/null || break; sleep 0.25; done
  fi
  drop_databases
  if [ "$status" -eq 0 ] && [ -z "${PGBOUNCER_CHECK_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap stop_all EXIT

step() { echo "-- $*"; }

[ -x "$PY" ] || fail "no virtualenv: run \`make install\` first"

PGBOUNCER=$(command -v pgbouncer || true)
[ -z "$PGBOUNCER" ] && [ -x /usr/sbin/pgbouncer ] && PGBOUNCER=/usr/sbin/pgbouncer
if [ -z "$PGBOUNCER" ]; then
  [ "$(id -u)" -eq 0 ] || fail "pgbouncer is not installed (apt-get install pgbouncer)"
  step "installing pgbouncer (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q pgbouncer >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q pgbouncer >/dev/null; }
  PGBOUNCER=/usr/sbin/pgbouncer
fi
step "$("$PGBOUNCER" --version | head -1) on 127.0.0.1:$PGB_PORT, transaction mode, in front of $PG_HOST:$PG_PORT"

pg_isready -h "$PG_HOST" -p "$PG_PORT" -q || fail "PostgreSQL does not answer on $PG_HOST:$PG_PORT"
drop_databases
direct "CREATE DATABASE $DB" >/dev/null

# PgBouncer refuses to run as root: it then drops to the postgres user (-u), which must read the files.
chmod 755 "$WORK"
cat >"$WORK/userlist.txt" <<'EOF'
"postgres" ""
EOF
cat >"$WORK/pgbouncer.ini" <<EOF
[databases]
* = host=$PG_HOST port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
admin_users = postgres
pool_mode = transaction
; few server connections for many clients: the point of a pooler (and what makes a missed reset show)
default_pool_size = 4
max_client_conn = 200
; SHOW STATS refreshed every second (the check reads it right after the tests)
stats_period = 1
logfile = $WORK/pgbouncer.log
pidfile = $WORK/pgbouncer.pid
EOF
chmod 644 "$WORK/userlist.txt" "$WORK/pgbouncer.ini"
touch "$WORK/pgbouncer.log"
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$WORK/pgbouncer.log" "$WORK"
  RUN_AS=(-u postgres)
fi
"$PGBOUNCER" "${RUN_AS[@]}" "$WORK/pgbouncer.ini" >/dev/null 2>&1 &  # it logs to $WORK/pgbouncer.log
PGB_PID=$!
for _ in $(seq 1 40); do
  pg_isready -h 127.0.0.1 -p "$PGB_PORT" -U postgres -d pgbouncer -q 2>/dev/null && break
  kill -0 "$PGB_PID" 2>/dev/null || fail "pgbouncer exited at start"
  sleep 0.25
done
pg_isready -h 127.0.0.1 -p "$PGB_PORT" -U postgres -d pgbouncer -q || fail "pgbouncer does not answer on 127.0.0.1:$PGB_PORT"

admin() { psql -h 127.0.0.1 -p "$PGB_PORT" -U postgres -d pgbouncer -qtAc "$1"; }
mode=$(admin "SHOW CONFIG" | awk -F'|' '$1 == "pool_mode" {print $2}')
[ "$mode" = "transaction" ] || fail "pgbouncer's pool_mode is '$mode', not transaction"

# The documented settings for a transaction pooler (docs/scaling.md); everything below talks to port $PGB_PORT.
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGB_PORT/$DB"
export DATABASE_PREPARE_THRESHOLD=${DATABASE_PREPARE_THRESHOLD:-off}
export DATABASE_DISABLE_SERVER_SIDE_CURSORS=1
export DJANGO_DEBUG=1

step "migrate $DB through the pooler"
"$PY" manage.py migrate --noinput -v0 || fail "migrate through pgbouncer"
"$PY" manage.py migrate --check -v0 || fail "migrations not all applied through pgbouncer"

step "tests through the pooler: $TESTS"
# pytest-django creates $TEST_DB through the pooler and migrates it there; --reuse-db keeps it at the end so
# that the drop happens on PostgreSQL directly (trap), not through pgbouncer that still pools connections to it.
# shellcheck disable=SC2086
"$PY" -m pytest $TESTS -q -p no:cacheprovider --reuse-db -x || fail "tests through pgbouncer"

# The traffic went through the pooler: its stats for the two databases count transactions and queries.
stats=$(admin "SHOW STATS" | awk -F'|' -v a="$DB" -v b="$TEST_DB" '$1 == a || $1 == b {t += $2; q += $3} END {print t + 0, q + 0}')
read -r xacts queries <<<"$stats"
[ "$xacts" -gt 0 ] && [ "$queries" -gt 0 ] || fail "pgbouncer saw no traffic ($stats)"
step "pgbouncer counted $xacts transactions and $queries queries for $DB and $TEST_DB"
echo "pgbouncer-check passed"
