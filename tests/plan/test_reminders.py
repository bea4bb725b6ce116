"""Overdue in working days and reminders around Tết 2023 (holidays 20–26 January 2023)."""

from datetime import date

import pytest

from plan.deadlines import effective_due, is_overdue, working_days_late
from plan.models import Activity
from plan.reminders import send_reminders
from plan.tasks import send_plan_reminders
from workflows import engine
from workflows.models import Notification, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_tet(plan):
    """Activity 19 (Sở GD&ĐT), its due date moved to Friday 27/01/2023, the first working day after Tết."""
    activity = plan.activities.get(number=19)
    Activity.objects.filter(pk=activity.pk).update(
        due_date=date(2023, 1, 27), planned_due_date=date(2023, 1, 27)
    )
    activity.refresh_from_db()
    return activity


@pytest.fixture
def lead_officer(person, after_tet):
    return person("gd.officer", Role.UNIT_OFFICER, unit=after_tet.lead_unit, valid_from=date(2022, 1, 1))


@pytest.fixture
def head_of_board(person):
    return person("board.head", Role.BOARD_HEAD, valid_from=date(2022, 1, 1))


def keys(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_a_due_date_inside_tet_moves_to_the_next_working_day(after_tet):
    assert effective_due(date(2023, 1, 23)) == date(2023, 1, 27)
    assert effective_due(date(2023, 1, 27)) == date(2023, 1, 27)
    Activity.objects.filter(pk=after_tet.pk).update(due_date=date(2023, 1, 21))
    after_tet.refresh_from_db()
    assert not is_overdue(after_tet, date(2023, 1, 26))
    assert not is_overdue(after_tet, date(2023, 1, 28))  # Saturday: no working day has passed yet
    assert is_overdue(after_tet, date(2023, 1, 30)) and working_days_late(after_tet, date(2023, 1, 31)) == 2


def test_reminders_count_working_days_across_tet_and_are_sent_once(after_tet, lead_officer, head_of_board):
    base = f"plan-activity:{after_tet.pk}:2023-01-27"
    # 3 working days before 27/01 is Tuesday 17/01: Tết (20–26/01) and the weekend are skipped.
    assert send_reminders(date(2023, 1, 16), days_before=3) == 0
    assert send_reminders(date(2023, 1, 17), days_before=3) == 1
    assert send_reminders(date(2023, 1, 17), days_before=3) == 0  # the job ran twice: still one reminder
    assert send_reminders(date(2023, 1, 24), days_before=3) == 0  # during Tết: same reminder, already sent
    assert keys(lead_officer) == [f"{base}:before"]
    assert send_reminders(date(2023, 1, 27), days_before=3) == 1
    assert send_reminders(date(2023, 1, 27), days_before=3) == 0
    assert keys(lead_officer) == [f"{base}:before", f"{base}:due"]
    assert send_reminders(date(2023, 1, 28), days_before=3) == 0  # Saturday: not overdue yet
    assert keys(head_of_board) == []
    assert send_reminders(date(2023, 1, 30), days_before=3) == 1
    assert send_reminders(date(2023, 1, 31), days_before=3) == 0
    assert keys(head_of_board) == [f"{base}:overdue"]
    assert keys(lead_officer) == [f"{base}:before", f"{base}:due"]
    note = Notification.objects.get(recipient=head_of_board)
    assert note.text.startswith("Quá hạn") and note.url == after_tet.get_absolute_url()


def test_postponed_activities_are_not_chased_until_resumed(after_tet, lead_officer, head_of_board):
    board_head = head_of_board
    engine.perform(
        after_tet, "postpone", user=board_head, data={"comment": "Sau Tết", "new_due_date": "2023-02-24"}
    )
    assert send_reminders(date(2023, 1, 30), days_before=3) == 0
    engine.perform(after_tet, "resume", user=board_head)
    after_tet.refresh_from_db()
    # The new due date gets its own reminders.
    send_reminders(date(2023, 2, 21), days_before=3)
    assert keys(lead_officer) == [f"plan-activity:{after_tet.pk}:2023-02-24:before"]


def test_the_board_officers_are_reminded_when_the_lead_unit_has_no_one(plan, person):
    officer = person("board.officer", Role.BOARD_OFFICER, valid_from=date(2022, 1, 1))
    activity = plan.activities.get(number=6)  # Ban TĐKT, due 10/02/2023
    assert send_reminders(date(2023, 2, 10), days_before=3) == 1
    assert keys(officer) == [f"plan-activity:{activity.pk}:2023-02-10:due"]


def test_the_celery_task_runs_for_a_given_day(after_tet, lead_officer):
    assert send_plan_reminders.delay("2023-01-17").get() >= 1
    assert keys(lead_officer)


def test_the_task_is_scheduled_in_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "plan.tasks.send_plan_reminders" in tasks
