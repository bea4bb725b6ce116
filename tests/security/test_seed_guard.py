"""Issue 12 item 8: the demo data (a superuser `admin` and a login per role, all with the published password) is
never loaded into production by accident: with DEBUG off, seed_demo refuses unless the operator says
--i-know-this-is-not-production."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from workflows.models import Membership

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@override_settings(DEBUG=False)
def test_seed_demo_refuses_when_debug_is_off():
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", quiet=True)
    assert "--i-know-this-is-not-production" in str(refused.value)
    assert "DEBUG" in str(refused.value)
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not Membership.objects.exists()


@override_settings(DEBUG=False)
def test_seed_demo_runs_with_debug_off_when_told_this_is_not_production():
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("tdkt-demo-2023")


def test_seed_demo_exits_non_zero_from_the_command_line_with_debug_off(tmp_path):
    """The same refusal from `manage.py`, as an operator would run it: a message and exit status 1."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "seed_demo", "--quiet"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "seed_demo refused" in result.stderr
    assert "--i-know-this-is-not-production" in result.stderr
