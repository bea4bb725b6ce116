"""Benchmark settings: production-like (DEBUG off, so no query log), plus the engine's test-only machine.

Notifications are queued to an in-memory Celery transport: a transition pays for queueing its message,
as it does with a real broker, and the worker's sending is not part of the transition.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-secret")
os.environ["DJANGO_DEBUG"] = "0"

from .settings import *  # noqa: E402,F403
from .settings import INSTALLED_APPS, STORAGES  # noqa: E402

#: the engine's test-only machine, and the peers it is measured against (benchmarks/peers: bench-only)
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "tests.testapp.apps.TestAppConfig",
    "viewflow.workflow",
    "benchmarks.peers.apps.PeersConfig",
]
#: static files from the source tree, without collectstatic's manifest (tests/production checks the manifest)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "CRITICAL", "handlers": []}}
NOTIFICATIONS_DISPATCH_ON_COMMIT = False
SECURE_SSL_REDIRECT = False  # the benchmark client speaks plain HTTP to the views
