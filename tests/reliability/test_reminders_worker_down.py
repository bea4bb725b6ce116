"""The Celery worker (or its broker) is down when plan reminders fall due; it comes back and runs the job,
more than once and concurrently. Each reminder reaches each recipient exactly once: the job derives what is
due from the plan on the day it runs, and the database's unique (recipient, key) constraint on
notifications refuses any second copy, whichever worker thread gets there second.

Activity 19 of the 2023 plan is due on Friday 27/01/2023, the first working day after Tết (20–26/01); with
3 working days' notice its "before" reminder is due from Tuesday 17/01.
"""

from datetime import date
from types import SimpleNamespace
from unittest import mock

import kombu.exceptions
import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import IntegrityError, transaction

from organisations.models import Unit
from plan import reminders
from plan.importer import import_plan
from plan.models import Activity
from plan.tasks import send_plan_reminders
from workflows.models import Notification, Role

from .conftest import postgres_only, run_in_threads

TASK = "plan.tasks.send_plan_reminders"
DUE = date(2023, 1, 27)


def on_day(day: date):
    """The worker's clock (the job reads today's date when beat calls it without one)."""
    return mock.patch.object(reminders, "timezone", SimpleNamespace(localdate=lambda: day))


@pytest.fixture
def scene(db, settings, person):
    settings.PLAN_REMINDER_WORKING_DAYS = 3
    plan = import_plan("plan/data/plan_2023.yaml").plan
    activity = plan.activities.get(number=19)
    Activity.objects.filter(pk=activity.pk).update(due_date=DUE, planned_due_date=DUE)
    lead = person("gd.officer", Role.UNIT_OFFICER, unit=activity.lead_unit, valid_from=date(2022, 1, 1))
    head = person("board.head", Role.BOARD_HEAD, valid_from=date(2022, 1, 1))
    return SimpleNamespace(
        plan=plan, activity=activity, lead=lead, head=head, key=f"plan-activity:{activity.pk}"
    )


def keys(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


@pytest.mark.django_db
def test_beat_cannot_reach_the_broker_then_the_worker_comes_back_and_sends_each_reminder_once(
    scene, django_capture_on_commit_callbacks
):
    # nothing listens on port 1; not the current app, or every task run after this test would go to it
    unreachable = Celery("tdkt-down", broker="redis://127.0.0.1:1/0", set_as_current=False)
    unreachable.conf.broker_transport_options = {"max_retries": 0}  # refuse at once, not after 6 s
    with on_day(date(2023, 1, 17)), pytest.raises(kombu.exceptions.OperationalError):
        unreachable.send_task(TASK, retry=False)  # beat's tick on the day the reminder fell due: lost
    assert Notification.objects.count() == 0 and mail.outbox == []

    # each notification's mail goes out from its own task once the reminder job's transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        # Tết passes with the worker down. It comes back on 24/01; beat's next ticks (and a redelivery) run it.
        with on_day(date(2023, 1, 24)):
            assert send_plan_reminders.apply().get() == 1  # the reminder of 17/01 is still due: sent now
            assert send_plan_reminders.apply().get() == 0
            assert send_plan_reminders.apply().get() == 0
        # An operator replays the day that was missed: nothing doubles.
        assert send_plan_reminders.apply(args=["2023-01-17"]).get() == 0
        assert keys(scene.lead) == [f"{scene.key}:2023-01-27:before"]

        with on_day(DUE):
            assert [send_plan_reminders.apply().get() for _ in range(3)] == [1, 0, 0]
        with on_day(date(2023, 1, 30)):  # Monday: one working day late, the Board head is told, once
            assert [send_plan_reminders.apply().get() for _ in range(3)] == [1, 0, 0]
        assert keys(scene.lead) == [f"{scene.key}:2023-01-27:before", f"{scene.key}:2023-01-27:due"]
        assert keys(scene.head) == [f"{scene.key}:2023-01-27:overdue"]
    assert len(mail.outbox) == Notification.objects.count() == 3  # one mail per notification


@pytest.mark.django_db
def test_the_database_refuses_a_second_copy_of_a_reminder_even_without_the_job(scene):
    """The job's own check is the unique constraint: proven by inserting the duplicate directly."""
    key = f"{scene.key}:2023-01-27:before"
    Notification.objects.create(recipient=scene.lead, key=key, text="Sắp đến hạn")
    with pytest.raises(IntegrityError, match="notification_once_per_key|UNIQUE"), transaction.atomic():
        Notification.objects.create(recipient=scene.lead, key=key, text="Sắp đến hạn (lần hai)")
    with on_day(date(2023, 1, 17)):
        assert send_plan_reminders.apply().get() == 0
    assert Notification.objects.filter(key=key).count() == 1


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_workers_run_the_job_at_once_and_every_reminder_is_sent_once(scene, person):
    """The whole plan falls due on one day, every lead unit has a TĐKT officer; eight worker threads run the
    job at the same moment, each on its own connection."""
    day = date(2023, 2, 10)
    Activity.objects.filter(plan=scene.plan).update(due_date=day, planned_due_date=day)
    for unit in Unit.objects.filter(pk__in=scene.plan.activities.values("lead_unit_id")):
        person(f"officer-{unit.pk}", Role.UNIT_OFFICER, unit=unit, valid_from=date(2022, 1, 1))
    expected = {
        (user.pk, f"plan-activity:{activity.pk}:{day.isoformat()}:due")
        for activity in scene.plan.activities.all()
        for user in reminders.lead_unit_recipients(activity, day)
    }
    assert len(expected) >= 32

    results, errors = run_in_threads(8, lambda i: send_plan_reminders.apply(args=[day.isoformat()]).get())

    assert errors == [None] * 8
    assert sum(results) == len(expected)  # each reminder counted by exactly one worker
    rows = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(rows) == len(set(rows)) and set(rows) == expected
    assert len(mail.outbox) == len(expected)


@postgres_only(
    "needs PostgreSQL (set DATABASE_URL): the worker's threads read the plan on connections of their own, "
    "which see only committed rows, and SQLite's audit triggers refuse the flush that cleans them up"
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_beat_messages_pile_up_while_the_worker_is_down_and_a_restarted_worker_drains_them_once(scene):
    """A real Celery worker (thread pool, 4 threads) on an in-memory broker: beat queued three runs of the
    job while no worker consumed them; the restarted worker runs all three, concurrently."""
    app = Celery("tdkt-reliability", broker="memory://", backend="cache+memory://")
    app.conf.update(task_always_eager=False, worker_hijack_root_logger=False)
    app.task(name=TASK)(send_plan_reminders.run)
    with on_day(date(2023, 1, 24)):
        queued = [app.send_task(TASK) for _ in range(3)]  # beat's ticks; nobody consumes them
        assert Notification.objects.count() == 0
        with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
            counts = [result.get(timeout=60) for result in queued]
    assert sorted(counts) == [0, 0, 1]
    assert keys(scene.lead) == [f"{scene.key}:2023-01-27:before"]
    assert len(mail.outbox) == 1
