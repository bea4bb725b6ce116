"""Backup and restore as docs/operations.md describes it: pg_dump (custom format) of a database with dossiers
that went through transitions, pg_restore into a fresh database, then verify_audit, the system checks and
the web application against the restored copy, in separate processes as an operator would run them."""

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.db import connection

from dossiers.models import Dossier
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows.models import AuditEvent

from .conftest import postgres_only

pytestmark = [
    pytest.mark.postgres,
    postgres_only(
        "needs PostgreSQL (set DATABASE_URL): the backup is pg_dump / pg_restore of a PostgreSQL database"
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]

#: Runs in the restored database: a Board officer opens a dossier page, then accepts the submitted dossier,
#: and the chain still verifies with the new event on top of the restored ones.
APP_PROBE = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment
    from dossiers.models import Dossier
    from workflows import engine
    from workflows.audit import verify_chain_parallel

    setup_test_environment()
    board = get_user_model().objects.get(username="board.officer")
    client = Client()
    client.force_login(board)
    answers = {}
    for dossier in Dossier.objects.order_by("pk"):
        response = client.get(f"/ho-so/{dossier.pk}/")
        answers[dossier.pk] = [response.status_code, dossier.title in response.content.decode()]
    waiting = Dossier.objects.get(state="submitted")
    engine.perform(waiting, "accept", user=board, data={"comment": "Tiếp nhận sau khi khôi phục"})
    checked, problem = verify_chain_parallel(1)
    json.dump({"pages": answers, "checked": checked, "problem": str(problem) if problem else None}, sys.stdout)
    """
)


def pg_args(settings_dict) -> list[str]:
    args = ["-h", settings_dict["HOST"] or "127.0.0.1", "-p", str(settings_dict["PORT"] or 5432)]
    return [*args, "-U", settings_dict["USER"] or "postgres"]


def pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, **kwargs)
    assert result.returncode == 0, f"{command[:3]} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def restore_target():
    """A fresh, empty database for the restore; dropped afterwards whatever happens."""
    settings_dict = connection.settings_dict
    name = f"tdkt_restore_{uuid.uuid4().hex[:10]}"
    run(["createdb", *pg_args(settings_dict), name], env=pg_env(settings_dict))
    yield name
    subprocess.run(
        ["dropdb", *pg_args(settings_dict), "--if-exists", "--force", name],
        env=pg_env(settings_dict),
        capture_output=True,
        timeout=120,
    )


def test_dump_restore_into_a_fresh_database_then_the_chain_verifies_and_the_app_answers(
    cast, tmp_path, restore_target
):
    titles = ["Khen thưởng năm 2023 — đợt 1", "Khen thưởng năm 2023 — đợt 2", "Khen thưởng năm 2023 — đợt 3"]
    walk_to(cast, ready_dossier(cast, title=titles[0]), "appraised")
    walk_to(cast, ready_dossier(cast, title=titles[1]), "accepted")
    walk_to(cast, ready_dossier(cast, title=titles[2]), "submitted")
    events = AuditEvent.objects.count()
    assert events > 10

    settings_dict = connection.settings_dict
    env = pg_env(settings_dict)
    dump = tmp_path / "tdkt.dump"
    run(["pg_dump", *pg_args(settings_dict), "-Fc", "-f", str(dump), settings_dict["NAME"]], env=env)
    assert dump.stat().st_size > 0
    run(["pg_restore", *pg_args(settings_dict), "--no-owner", "-d", restore_target, str(dump)], env=env)

    restored = f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}"
    restored += f":{settings_dict['PORT'] or 5432}/{restore_target}"
    app_env = {
        **env,
        "DATABASE_URL": restored,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_DEBUG": "1",
        # the copy's own checkpoint directory (not the developer's var/audit-checkpoints)
        "AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
    }
    app_env.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, "manage.py"]

    verified = run([*manage, "verify_audit", "--workers", "2"], env=app_env)
    assert f"Audit chain intact: {events} events verified" in verified.stdout
    run([*manage, "check"], env=app_env)
    run([*manage, "migrate", "--check"], env=app_env)  # the restored schema is the code's schema

    probe = run([sys.executable, "-c", APP_PROBE], env=app_env)
    answer = json.loads(probe.stdout.strip().splitlines()[-1])
    assert answer["problem"] is None and answer["checked"] == events + 1
    pages = {int(pk): tuple(value) for pk, value in answer["pages"].items()}
    assert pages == {pk: (200, True) for pk in Dossier.objects.values_list("pk", flat=True)}

    # The original is untouched by what happened in the copy.
    assert AuditEvent.objects.count() == events
    assert Dossier.objects.filter(state="submitted").count() == 1
