"""Celery queues and time limits (docs/scaling.md, "Celery queues"): every task has a queue and soft and hard
limits from settings.TASK_LIMITS, and every queue has a worker in each deployment's files (the city's single
worker, the province's one-worker-per-queue units and compose services, the production smoke test)."""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from project.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _product_tasks() -> dict:
    """The project's own tasks: what autodiscovery registers (not Celery's built-ins, not tests' helpers)."""
    app.loader.import_default_modules()
    return {
        name: task
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and not task.__module__.startswith("tests.")
    }


def _queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def _queues_option(argv: list[str]) -> set[str]:
    for flag in ("--queues", "-Q"):
        if flag in argv:
            return set(argv[argv.index(flag) + 1].split(","))
    return {"celery"}  # what a worker without the option consumes (and no task is routed there)


def test_autodiscovery_finds_the_known_tasks():
    # guards the tests below against passing on an empty registry
    assert {
        "workflows.tasks.send_notification_mail",
        "workflows.tasks.run_audit_check",
        "webhooks.tasks.deliver_webhooks",
        "plan.tasks.send_plan_reminders",
    } <= set(_product_tasks())


@pytest.mark.parametrize("name", sorted(_product_tasks()))
def test_every_task_has_a_route_and_time_limits(name):
    task = _product_tasks()[name]
    assert name in settings.TASK_LIMITS, f"{name}: add it to settings.TASK_LIMITS (queue, soft, hard)"
    queue, soft, hard = settings.TASK_LIMITS[name]
    assert queue in settings.TASK_QUEUES
    assert _queue_of(name) == queue
    # the limits are the task's own (CELERY_TASK_ANNOTATIONS), not only the global fallback
    assert (task.soft_time_limit, task.time_limit) == (soft, hard)
    assert 0 < soft < hard


def test_no_stale_rows_in_the_table():
    assert set(settings.TASK_LIMITS) <= set(_product_tasks())
    assert settings.CELERY_TASK_DEFAULT_QUEUE in settings.TASK_QUEUES


def test_the_queue_groups():
    assert {name: _queue_of(name) for name in settings.TASK_LIMITS} == {
        "workflows.tasks.send_notification_mail": "mail",
        "workflows.tasks.run_audit_check": "audit",
        "workflows.tasks.audit_check_daily": "audit",
        "workflows.tasks.sign_audit_checkpoint": "audit",
        "webhooks.tasks.deliver_webhooks": "webhooks",
        "workflows.tasks.notify_event": "default",
        "workflows.tasks.dispatch_notifications": "default",
        "dossiers.tasks.send_dossier_reminders": "default",
        "plan.tasks.send_plan_reminders": "default",
        "workflows.tasks.sync_unit_parents": "default",
    }
    # a task nobody listed still goes to a queue that a worker consumes, and still stops
    assert _queue_of("somewhere.tasks.not_listed") == "default"
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_limits_fit_what_the_tasks_wait_on():
    from webhooks.delivery import LEASE

    _queue, _soft, hard = settings.TASK_LIMITS["webhooks.tasks.deliver_webhooks"]
    # killed before its lease runs out: no second dispatcher sends the same queue while it still runs
    assert timedelta(seconds=hard) < LEASE
    # a hung SMTP server is a socket timeout (an OSError, retried) before the soft limit interrupts the task
    _queue, soft, _hard = settings.TASK_LIMITS["workflows.tasks.send_notification_mail"]
    assert 0 < settings.EMAIL_TIMEOUT < soft


def test_the_city_worker_and_the_smoke_test_consume_every_queue():
    unit = (ROOT / "deploy" / "systemd" / "tdkt-worker.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    assert _queues_option(shlex.split(exec_start)) == set(settings.TASK_QUEUES)
    script = (ROOT / "deploy" / "prod-check.sh").read_text().replace("\\\n", " ")
    worker = next(line for line in script.splitlines() if 'celery" -A project worker' in line)
    assert _queues_option(shlex.split(worker)) == set(settings.TASK_QUEUES)


def test_compose_runs_one_worker_per_queue():
    import yaml

    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    workers = {
        name: _queues_option(service["command"])
        for name, service in services.items()
        if service.get("command", [])[:4] == ["celery", "-A", "project", "worker"]
    }
    assert sorted(q for queues in workers.values() for q in queues) == sorted(settings.TASK_QUEUES)
    assert all(len(queues) == 1 for queues in workers.values())


def test_the_province_worker_unit_takes_its_queue_from_the_instance_name():
    unit = (ROOT / "deploy" / "systemd" / "tdkt-worker@.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    argv = shlex.split(exec_start)
    assert argv[1:4] == ["-A", "project", "worker"]
    assert _queues_option(argv) == {"%i"}
    assert "User=tdkt" in unit and "EnvironmentFile=/etc/tdkt/tdkt.env" in unit
