"""The demo data makes sense on any date (issue 14 item 14): the 2023 plan is history (completed on 2023 dates,
each step in the audit log), the current year's plan is copied from it and stands where a city would be today,
the planned session and the open innovation round lie ahead, and seed_demo prints the logins table last, with
every demo login and no e-mail."""

import io
import re
from contextlib import redirect_stdout
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

from demo import plan_history
from plan.importer import import_plan
from plan.models import OPEN_STATES, Activity, ActivityState, Plan
from workflows.audit import verify_chain
from workflows.models import AuditEvent, Notification, Role

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True, **options)


def events_of(activity):
    content_type = ContentType.objects.get_for_model(Activity)
    return list(
        AuditEvent.objects.filter(subject_type=content_type, subject_id=str(activity.pk)).order_by("sequence")
    )


def test_the_2023_plan_is_history_completed_on_2023_dates_and_audited():
    seed()
    history = Plan.objects.get(year=2023)
    activities = list(history.activities.order_by("number"))
    assert len(activities) == 32
    for activity in activities:
        assert activity.state == ActivityState.COMPLETED, activity.number
        assert activity.started_on.year == activity.completed_on.year == activity.evidence_date.year == 2023
        assert activity.started_on <= activity.completed_on
        assert abs((activity.completed_on - activity.due_date).days) <= 7
        assert activity.evidence_number
        events = events_of(activity)
        assert [e.verb for e in events] == ["imported", "start", "complete"]
        assert [(e.source_state, e.target_state) for e in events[1:]] == [
            ("planned", "in_progress"),
            ("in_progress", "completed"),
        ]
        assert events[2].data["changes"]["completed_on"][1] == activity.completed_on.isoformat()
    # the backfill tells nobody today that a 2023 activity was completed
    assert not Notification.objects.filter(event__subject_type=ContentType.objects.get_for_model(Activity))
    problems = [step for step in verify_chain() if not isinstance(step, int)]
    assert problems == []


def test_the_current_year_plan_is_live_and_nothing_is_long_overdue():
    seed()
    today = timezone.localdate()
    plan = Plan.objects.get(year=today.year)
    assert plan.copied_from.year == 2023 and plan.is_issued
    assert plan.issued_on == date(today.year - 1, 12, 20)
    assert str(today.year) in plan.title and "2023" not in plan.title
    activities = list(plan.activities.all())
    assert len(activities) == 32
    assert all(a.due_date.year == today.year for a in activities)
    for activity in activities:
        if activity.state in OPEN_STATES:
            assert (today - activity.due_date).days <= 60, activity
        for day in (activity.started_on, activity.completed_on):
            assert day is None or (day.year == today.year and day <= today)
    assert any(a.state in OPEN_STATES for a in activities)
    # the plan menu opens this year's plan
    from plan.selectors import latest_plan

    assert latest_plan() == plan


@pytest.mark.parametrize(
    "today",
    [date(2027, 1, 2), date(2027, 2, 20), date(2027, 6, 15), date(2027, 10, 1), date(2027, 12, 31)],
    ids=str,
)
def test_the_current_plan_makes_sense_on_any_day_of_the_year(today, person):
    history = import_plan("plan/data/plan_2023.yaml").plan
    officer = person("board.officer", Role.BOARD_OFFICER)
    head = person("board.head", Role.BOARD_HEAD)
    plan = plan_history.current_plan(history, today, board_officer=officer, board_head=head)
    plan_history.bring_up_to_date(plan, today)
    activities = list(plan.activities.all())
    states = {a.state for a in activities}
    assert ActivityState.PLANNED in states and ActivityState.IN_PROGRESS in states
    for activity in activities:
        if activity.state in OPEN_STATES:
            assert (today - activity.due_date).days <= plan_history.DONE_AFTER_DAYS
        if activity.state == ActivityState.COMPLETED:
            assert activity.started_on <= activity.completed_on <= today
            assert activity.completed_on.year == 2027
        if activity.started_on:
            assert activity.started_on <= today
    # run again on the same day: nothing changes
    count = AuditEvent.objects.count()
    assert plan_history.bring_up_to_date(plan, today) == 0
    assert AuditEvent.objects.count() == count


def test_seed_demo_is_idempotent_for_the_plans():
    seed()
    count = AuditEvent.objects.count()
    states = list(Activity.objects.order_by("pk").values_list("pk", "state", "started_on", "completed_on"))
    seed()
    assert Plan.objects.count() == 2
    assert AuditEvent.objects.count() == count
    assert (
        list(Activity.objects.order_by("pk").values_list("pk", "state", "started_on", "completed_on"))
        == states
    )


def test_the_planned_session_and_the_open_round_lie_ahead():
    from councils.models import Session
    from demo.management.commands.seed_councils import DEMO_TITLE as SESSION_TITLE
    from demo.management.commands.seed_innovation import DEMO_TITLE as ROUND_TITLE
    from innovation.models import Round

    seed()
    today = timezone.localdate()
    assert Session.objects.get(title=SESSION_TITLE).planned_on > today
    round_ = Round.objects.get(title=ROUND_TITLE)
    assert str(today.year) in round_.title
    assert round_.submission_opens_on <= today < round_.submission_closes_on
    initiative = round_.initiatives.get()
    assert initiative.first_applied_on < today
    assert "2023" not in initiative.lower_recognition


@override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
def test_the_output_ends_with_the_logins_table_and_has_no_email():
    """The console backend (what `make run` uses) would print each demo notification as an e-mail."""
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        call_command("seed_demo", i_know_this_is_not_production=True, stdout=buffer)
    output = buffer.getvalue()
    for header in ("Subject:", "From:", "Message-ID:"):
        assert header not in output
    assert output.count("Demo logins (password for every one: tdkt-demo-2023)") == 1
    table = output.split("Demo logins", 1)[1]
    lines = [line for line in table.splitlines()[1:] if line.strip()]
    assert lines[0].split() == ["username", "name", "roles"]
    assert lines[-1].strip().endswith("members")  # nothing is printed after the table
    assert Notification.objects.exists() and mail.outbox == []
    listed, ranges = set(), []
    for line in lines[1:]:
        first = line.split()[0]
        match = re.fullmatch(r"(?P<prefix>[a-z.]+?)(?P<low>\d+)…(?P<high>\d+)", first)
        if match:
            ranges.append((match["prefix"], int(match["low"]), int(match["high"])))
        else:
            listed.add(first)
    logins = [user.username for user in get_user_model().objects.all() if user.has_usable_password()]
    assert len(logins) > 40
    for username in logins:
        found = username in listed or any(
            re.fullmatch(rf"{re.escape(prefix)}(\d+)", username)
            and low <= int(username[len(prefix) :]) <= high
            for prefix, low, high in ranges
        )
        assert found, f"{username} is not in the logins table"


def test_the_demo_dashboard_shows_no_long_overdue_activity(client):
    seed()
    today = timezone.localdate()
    assert client.login(username="board.head", password="tdkt-demo-2023")
    response = client.get("/ke-hoach/", follow=True)
    assert response.redirect_chain[-1][0] == f"/ke-hoach/{today.year}/"
    page = response.content.decode()
    late = [int(n) for n in re.findall(r"Quá hạn (\d+) ngày", page)]
    assert all(n <= 60 for n in late), late
    history = client.get("/ke-hoach/2023/").content.decode()
    assert not re.findall(r"Quá hạn \d+ ngày", history)


def test_the_demo_has_an_education_nominee_on_the_school_year_and_her_draft_dossier(client):
    """Activity 22 (the education sector's session): Sở GD&ĐT rates on the school year; its teacher has the school
    years 2020–2021 to 2022–2023 and a draft dossier a Board user reads as «Năm học 2022–2023»; seeding twice
    adds nothing."""
    from dossiers.models import AwardRecord, Dossier, Nominee, YearlyRating

    seed()
    seed()
    [teacher] = Nominee.objects.filter(full_name="Lương Thị Thu Trang")
    assert teacher.unit.code == "so-gd-dt" and teacher.unit.rating_calendar == "school_year"
    assert sorted(YearlyRating.objects.filter(nominee=teacher).values_list("year", "rating")) == [
        (2021, "HTT"),
        (2022, "HTXS"),
        (2023, "HTXS"),
    ]
    assert sorted(AwardRecord.objects.filter(nominee=teacher).values_list("year", "award__code")) == [
        (2021, "ldtt"),
        (2022, "cstdcs"),
        (2023, "cstdcs"),
    ]
    [dossier] = Dossier.objects.filter(unit=teacher.unit)
    assert dossier.state == "draft" and dossier.year == 2023
    assert list(dossier.lines.values_list("nominee_id", "award__code")) == [(teacher.pk, "bk-tp")]
    assert client.login(username="board.officer", password="tdkt-demo-2023")
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "Năm học 2022–2023" in page and "Lương Thị Thu Trang" in page
