"""The task inbox's plan activities: only those due in the next 30 days or overdue, with their due date, in
plan order; the rest one link away. And the inbox's query count does not grow with its rows."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plan.models import Activity
from tests.plan import conftest as plan_fixtures
from tests.testapp.models import Widget
from workflows.models import Role
from workflows.roles import forget_cached_authorities
from workflows.selectors import inbox

plan, board_officer, chairman = plan_fixtures.plan, plan_fixtures.board_officer, plan_fixtures.chairman


def spread(plan):
    """Activities 1-2 overdue, 3 due today, 4 in 30 days, the others later."""
    today = timezone.localdate()
    plan.activities.update(due_date=today + timedelta(days=90))
    for number, offset in ((1, -20), (2, -1), (3, 0), (4, 30), (5, 31)):
        plan.activities.filter(number=number).update(due_date=today + timedelta(days=offset))
    return today


def test_board_sees_activities_due_within_30_days_or_overdue_in_plan_order(plan, board_officer):
    today = spread(plan)
    box = inbox(board_officer)
    [section] = box.planned
    assert [task.subject.number for task in section.items] == [1, 2, 3, 4]
    assert section.items[0].deadline == today - timedelta(days=20) and section.items[0].overdue
    assert section.items[2].deadline_text == "Hết hạn hôm nay"
    assert section.items[0].actions == ["Bắt đầu thực hiện"]
    assert section.later == plan.activities.count() - 4
    assert box.tasks == []  # activities are listed apart, not mixed with the tasks


def test_the_rest_is_one_link_away(client, plan, board_officer):
    spread(plan)
    client.force_login(board_officer)
    page = client.get("/").content.decode()
    later = plan.activities.count() - 4
    assert f"Xem tất cả, cả {later} việc có hạn sau 30 ngày tới" in page
    assert "?all=plan.activity" in page
    everything = client.get("/?all=plan.activity&limit=100").content.decode()
    number_5 = plan.activities.get(number=5)
    assert str(number_5) not in page and str(number_5) in everything
    assert "Chỉ xem việc đến hạn trong 30 ngày tới" in everything
    [section] = inbox(board_officer, limit=100, show_all="plan.activity").planned
    assert [task.subject.number for task in section.items] == sorted(
        plan.activities.values_list("number", flat=True)
    )


def test_cancelling_is_not_work_waiting_for_the_chairman(plan, chairman):
    spread(plan)
    assert inbox(chairman).planned == []
    assert not inbox(chairman)


def test_query_count_does_not_grow_with_the_rows(plan, board_officer, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    officer = person("officer", Role.UNIT_OFFICER, unit=unit)
    spread(plan)

    def queries(user, limit):
        forget_cached_authorities(user)
        with CaptureQueriesContext(connection) as captured:
            inbox(user, limit=limit)
        return len(captured)

    Widget.objects.create(unit=unit, title="Một")
    few = {user.username: queries(user, 25) for user in (board_officer, head, officer)}
    Widget.objects.bulk_create([Widget(unit=unit, title=f"Hồ sơ {i}") for i in range(60)])
    Activity.objects.update(due_date=timezone.localdate())
    for user in (board_officer, head, officer):
        assert queries(user, 25) == few[user.username]
        assert queries(user, 100) == few[user.username]
    forget_cached_authorities(head)
    assert len(inbox(head, limit=25).tasks) == 25 and inbox(head, limit=25).more
