import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from workflows.audit import SYSTEM
from workflows.models import Role
from workflows.services import membership_grant

from .factories import UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def vietnamese_by_default():
    """Each test starts in the default locale (a request in English must not leak into the next test)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty rate-limit counters (workflows/throttle.py, DRF throttles): the memory cache
    outlives a test, and user ids and the test client's address repeat from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def unit(db):
    return UnitFactory(name="Quận Ninh Kiều")


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="Sở Y tế")


@pytest.fixture
def grant():
    """grant(user, role, unit=None, council_term=None, **dates) through the audited service."""

    def _grant(user, role, unit=None, council_term=None, **dates):
        return membership_grant(
            user=user, role=role, unit=unit, council_term=council_term, actor=SYSTEM, **dates
        )

    return _grant


@pytest.fixture
def person(db, grant):
    """person("name", Role.X, unit=...) → a user holding that role."""

    def _person(username, role=None, unit=None, council_term=None, **dates):
        user = UserFactory(username=username)
        if role:
            grant(user, role, unit=unit, council_term=council_term, **dates)
        return user

    return _person


@pytest.fixture
def api():
    def _api(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _api


__all__ = ["Role"]


# -- browser tests: a real server (runserver on a throwaway SQLite file with the demo data) driven by
# Playwright in Debian's headless Chromium. Shared by every test marked `browser` (run with `pytest -m browser`;
# .ci/run installs chromium). One server and one browser for the whole run.

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_env():
    """The environment of the test server (its own SQLite file): for running services against its data."""
    return {}


@pytest.fixture(scope="session")
def server_url(server_env):
    workdir = Path(tempfile.mkdtemp(prefix="tdkt-browser-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{workdir / 'browser.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
    }
    env.pop("CELERY_BROKER_URL", None)
    server_env.update(env)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo", "--quiet"], env=env, check=True, cwd=ROOT)
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/dang-nhap/", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        raise RuntimeError("the test server did not start")
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def login(browser, server_url):
    """login("board.officer") → a Playwright page signed in as that demo user."""
    pages = []

    def _login(username, password="tdkt-demo-2023"):
        context = browser.new_context(locale="vi-VN")
        page = context.new_page()
        page.goto(f"{server_url}/dang-nhap/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        pages.append(context)
        return page

    yield _login
    for context in pages:
        context.close()


@pytest.fixture
def run_in_server_db(server_env):
    """run_in_server_db("python code") runs code through `manage.py shell` on the test server's database."""

    def _run(code: str) -> str:
        completed = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            env=server_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if completed.returncode != 0:
            raise RuntimeError(completed.stderr[-3000:])
        return completed.stdout

    return _run


@pytest.fixture
def audit_flush():
    """For a transactional test (live_server, several connections): the flush after it DELETEs the audit events,
    which SQLite's append-only triggers refuse; lift them for that cleanup only. PostgreSQL truncates, which
    the row triggers do not see."""
    yield
    from importlib import import_module

    from django.db import connection

    if connection.vendor == "sqlite":
        append_only = import_module("workflows.migrations.0002_audit_append_only")
        with connection.cursor() as cursor:
            for statement in append_only.SQLITE_DOWN:
                cursor.execute(statement)
            # rows that point at events (notifications, deliveries) go in the flush that follows
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("DELETE FROM workflows_auditevent")
            cursor.execute("PRAGMA foreign_keys = ON")
            for statement in append_only.SQLITE_UP:
                cursor.execute(statement)
