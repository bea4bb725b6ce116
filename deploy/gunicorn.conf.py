"""gunicorn configuration for the TĐKT application (docs/deployment.md).

    gunicorn -c deploy/gunicorn.conf.py project.wsgi

Every setting comes from the environment, so systemd's EnvironmentFile, compose's `environment:` and
deploy/prod-check.sh can all use this one file:

GUNICORN_BIND              address:port or unix:/path (default 127.0.0.1:8000; nginx proxies to it)
GUNICORN_WORKERS           worker processes (default 2 × CPUs + 1, at most 8)
GUNICORN_THREADS           threads per worker (default 1: sync workers; more switches to gthread)
GUNICORN_TIMEOUT           seconds a request may take before its worker is restarted (default 60: large PDFs)
GUNICORN_GRACEFUL_TIMEOUT  seconds a worker gets to finish on restart or stop (default 30)
GUNICORN_KEEPALIVE         seconds an idle proxy connection is kept (default 5)
GUNICORN_MAX_REQUESTS      requests after which a worker is replaced (default 2000, with jitter; 0 = never)
GUNICORN_FORWARDED_ALLOW_IPS addresses of the proxy whose X-Forwarded-Proto is believed (default 127.0.0.1)
PROMETHEUS_MULTIPROC_DIR   where the workers share their metrics (default: a new directory under /tmp)

The access log is one JSON object per line on stdout (JsonAccessLogger below), with the request id the
application answered in X-Request-ID; the application's own logs go to stderr (DJANGO_LOG_FORMAT=json).
"""

import json
import multiprocessing
import os
import shutil
import tempfile
from datetime import UTC, datetime

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "project.wsgi:application"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The application checks the size itself (project/middleware.py); these only bound the request line/headers.
limit_request_line = 8190
limit_request_fields = 100


class JsonAccessLogger(Logger):
    """gunicorn's logger with each access line as JSON (json.dumps: a quote in a user agent stays valid)."""

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "logger": "gunicorn.access",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": resp.status_code,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "request_id": headers.get("x-request-id"),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:
            self.exception("cannot write the access log line")


logger_class = JsonAccessLogger

# Prometheus: every worker writes its counters to files in one directory, /metrics sums them
# (prometheus_client's multiprocess mode). Set before the application, and so prometheus_client, is imported.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="tdkt-prometheus-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    """A fresh directory for each start: counters of dead processes from the last run would add up."""
    if os.path.isdir(_metrics_dir):
        for entry in os.listdir(_metrics_dir):
            path = os.path.join(_metrics_dir, entry)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
    else:
        os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
