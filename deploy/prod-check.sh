#!/usr/bin/env bash
# The production smoke test (`make prod-check`, run by .ci/run): the application as docs/deployment.md deploys
# it, on this machine, end to end.
#
#   debug off, a new secret key and audit signing key, PostgreSQL (database tdkt_prodcheck, recreated on each
#   run), Redis db 5 as cache and Celery broker; migrate, collectstatic (the Dockerfile's step), the demo data,
#   `check --deploy` clean; gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1:8765, a Celery worker and beat in
#   the background (logs in the work folder, all stopped on exit); then over HTTP: /healthz, /readyz, the login
#   page and its hashed stylesheet, /metrics, an API token, one transition through the API, and the worker's
#   notification for it (polled in the database, at most 60 s); then, as root with nginx (CI installs
#   nginx-light), the same through deploy/nginx.conf on 127.0.0.1:443 with a self-signed certificate: the
#   HTTPS redirect, the request id, /metrics closed, a login through the form and a document download that the
#   view allows and nginx sends (X-Accel-Redirect).
#
# One deliberate difference from production: gunicorn runs with DJANGO_SECURE_SSL_REDIRECT=0, because this
# test talks plain HTTP to loopback with no TLS proxy in front (in production nginx terminates TLS and
# redirects). `check --deploy` runs with the production value (redirect on) and must be clean.
#
# Environment: PG_HOST (127.0.0.1), PG_PORT (5432), REDIS_URL (redis://127.0.0.1:6379/5), PORT (8765),
# PROD_CHECK_DIR (a new temporary folder; kept on failure, with the logs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
DB=tdkt_prodcheck
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/5}
PORT=${PORT:-8765}
BASE="http://127.0.0.1:$PORT"
WORK=${PROD_CHECK_DIR:-$(mktemp -d /tmp/tdkt-prod-check.XXXXXX)}
mkdir -p "$WORK"
PIDS=()

fail() {
  echo "prod-check FAILED: $*" >&2
  for log in "$WORK"/*.log; do
    [ -f "$log" ] || continue
    echo "---- last lines of $log" >&2
    tail -n 30 "$log" >&2
  done
  echo "(logs and files kept in $WORK)" >&2
  exit 1
}

stop_all() {
  local status=$?
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -eq 0 ] && [ -z "${PROD_CHECK_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap stop_all EXIT

step() { echo "-- $*"; }

[ -x "$PY" ] || fail "no virtualenv: run \`make install\` first"

step "services: PostgreSQL $PG_HOST:$PG_PORT, Redis $REDIS_URL"
if [ -n "${CI:-}" ] && ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
  # CI on a machine whose Redis stopped: start it as the machine does (nothing kept on disk)
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  sleep 1
fi
pg_isready -h "$PG_HOST" -p "$PG_PORT" -q || fail "PostgreSQL does not answer on $PG_HOST:$PG_PORT"
"$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()" "$REDIS_URL" \
  || fail "Redis does not answer at $REDIS_URL"
# A fresh database and an empty Redis db on each run: the smoke test's transition needs the demo data as seeded.
psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $DB" >/dev/null
"$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL"

# The production environment (docs/deployment.md, "Environment"). DJANGO_DEBUG is unset: the WSGI entry point
# and Celery then run with debug off; manage.py defaults to development, so its commands get DJANGO_DEBUG=0.
unset DJANGO_DEBUG DJANGO_SETTINGS_MODULE
export DJANGO_SECRET_KEY
DJANGO_SECRET_KEY=$("$PY" -c "import secrets; print(secrets.token_urlsafe(50))")
export AUDIT_SIGNING_KEY
AUDIT_SIGNING_KEY=$("$PY" -c "import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())")
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB"
export DJANGO_CACHE_URL="$REDIS_URL"
export CELERY_BROKER_URL="$REDIS_URL"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export AUDIT_CHECKPOINT_DIR="$WORK/audit-checkpoints"
export DJANGO_MEDIA_ROOT="$WORK/media"
export DJANGO_STATIC_ROOT="$WORK/static"
export DJANGO_LOG_FORMAT=json
export DJANGO_LOG_LEVEL=INFO
export PROMETHEUS_MULTIPROC_DIR="$WORK/prometheus"
mkdir -p "$AUDIT_CHECKPOINT_DIR" "$DJANGO_MEDIA_ROOT" "$PROMETHEUS_MULTIPROC_DIR"
manage() { DJANGO_DEBUG=0 "$PY" manage.py "$@"; }

step "the Dockerfile's steps that run outside Docker (deploy/docker-steps.sh)"
PYTHON="$PY" deploy/docker-steps.sh check-runtime || fail "the runtime packages WeasyPrint needs are missing"
PYTHON="$PY" deploy/docker-steps.sh collectstatic >"$WORK/collectstatic.log" 2>&1 || fail "collectstatic"
[ -f "$DJANGO_STATIC_ROOT/staticfiles.json" ] || fail "collectstatic wrote no manifest"

step "migrate, demo data"
manage migrate --noinput -v0 >"$WORK/migrate.log" 2>&1 || fail "migrate"
# The demo data refuses to run with debug off unless told this is not production: it is not.
manage seed_demo --quiet --i-know-this-is-not-production >"$WORK/seed.log" 2>&1 || fail "seed_demo"

step "check --deploy (production values: HTTPS redirect on)"
manage check --deploy --fail-level WARNING >"$WORK/check.log" 2>&1 || fail "check --deploy is not clean: $(cat "$WORK/check.log")"

# nginx in front (deploy/nginx.conf as shipped, with this run's paths and a self-signed certificate, on
# 127.0.0.1:80 and :443): needs root and nginx; CI installs Debian's nginx-light when it is missing.
NGINX=""
if [ "$(id -u)" = 0 ]; then
  if ! command -v nginx >/dev/null && [ -n "${CI:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >"$WORK/apt.log" 2>&1 \
      || { apt-get update -q >>"$WORK/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >>"$WORK/apt.log" 2>&1; } \
      || fail "cannot install nginx-light"
  fi
  command -v nginx >/dev/null && NGINX=$(command -v nginx)
fi
if [ -n "$NGINX" ]; then
  step "nginx: the sample deploy/nginx.conf with this run's paths, checked with nginx -t"
  mkdir -p "$WORK/nginx/tmp" "$WORK/acme"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -keyout "$WORK/nginx/key.pem" -out "$WORK/nginx/cert.pem" >/dev/null 2>&1 || fail "openssl"
  cp deploy/nginx-proxy.conf "$WORK/nginx/tdkt-proxy.conf"
  sed -e "s|listen 80;|listen 127.0.0.1:80;|; /listen \[::\]/d; s|listen 443 ssl http2;|listen 127.0.0.1:443 ssl http2;|" \
      -e "s|server 127.0.0.1:8000|server 127.0.0.1:$PORT|" \
      -e "s|/etc/letsencrypt/live/tdkt.example.gov.vn/fullchain.pem|$WORK/nginx/cert.pem|" \
      -e "s|/etc/letsencrypt/live/tdkt.example.gov.vn/privkey.pem|$WORK/nginx/key.pem|" \
      -e "s|/etc/nginx/snippets/tdkt-proxy.conf|$WORK/nginx/tdkt-proxy.conf|" \
      -e "s|/srv/tdkt/app/staticfiles/|$DJANGO_STATIC_ROOT/|; s|/srv/tdkt/var/media/|$DJANGO_MEDIA_ROOT/|" \
      -e "s|/var/log/nginx/tdkt.access.log|$WORK/nginx.access.log|; s|/var/www/letsencrypt|$WORK/acme|" \
      -e "s|server_name tdkt.example.gov.vn;|server_name 127.0.0.1;|" \
      deploy/nginx.conf >"$WORK/nginx/site.conf"
  cat >"$WORK/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/site.conf;
}
CONF
  "$NGINX" -t -q -c "$WORK/nginx/nginx.conf" >"$WORK/nginx-t.log" 2>&1 || fail "nginx -t: $(cat "$WORK/nginx-t.log")"
else
  echo "   (no nginx, or not root: the nginx leg is not run; CI runs it)"
fi

step "start gunicorn on 127.0.0.1:$PORT, a Celery worker and beat"
# Behind nginx as in production: X-Forwarded-Proto/-For believed, downloads sent by nginx (X-Accel-Redirect).
GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2 DJANGO_SECURE_SSL_REDIRECT=0 \
  DJANGO_BEHIND_TLS_PROXY=1 DJANGO_ACCEL_REDIRECT=1 \
  "$ROOT/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py >"$WORK/gunicorn.access.log" 2>"$WORK/gunicorn.log" &
PIDS+=($!)
# one worker for every queue, as tdkt-worker.service (settings.TASK_QUEUES; a province splits them)
"$ROOT/.venv/bin/celery" -A project worker --queues default,mail,audit,webhooks --concurrency 1 --loglevel INFO \
  --without-gossip --without-mingle >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
"$ROOT/.venv/bin/celery" -A project beat --loglevel INFO --schedule "$WORK/celerybeat-schedule" \
  >"$WORK/beat.log" 2>&1 &
PIDS+=($!)

PROXY_ARGS=()
if [ -n "$NGINX" ]; then
  "$NGINX" -c "$WORK/nginx/nginx.conf" -g "daemon off;" >>"$WORK/nginx.log" 2>&1 &
  PIDS+=($!)
  PROXY_ARGS=(--proxy https://127.0.0.1)
fi

step "smoke test over HTTP"
"$PY" deploy/smoke.py "$BASE" --timeout 60 --access-log "$WORK/gunicorn.access.log" "${PROXY_ARGS[@]}" \
  || fail "smoke test"
echo "prod-check passed"
