"""Test settings: fast hashing, in-memory mail and cache, eager Celery. DATABASE_URL still selects PostgreSQL."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.pop("CELERY_BROKER_URL", None)

from .settings import *  # noqa: E402,F403
from .settings import INSTALLED_APPS, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp.apps.TestAppConfig"]
#: static files from the source tree, without collectstatic's manifest (tests/production checks the manifest)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
NOTIFICATIONS_DISPATCH_ON_COMMIT = True
#: no shared checkpoint directory: a test that signs checkpoints points this at its own tmp_path
AUDIT_CHECKPOINT_DIR = ""
#: one audit chain unless a test (or the CI step that runs the audit tests with AUDIT_CHAINS=8) asks for more
AUDIT_CHAINS = max(1, int(os.environ.get("AUDIT_CHAINS") or "1"))
