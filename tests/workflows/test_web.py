"""Web pages: login, the inbox per role, history, the transition form, the auditor's chain check."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.testapp.models import Widget
from workflows import engine
from workflows.models import Notification, Role
from workflows.policies import may_view_unit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ đề nghị khen thưởng", unit=unit)


def test_login_page_is_vietnamese(client):
    response = client.get("/dang-nhap/")
    assert response.status_code == 200
    assert "Đăng nhập hệ thống thi đua, khen thưởng" in response.content.decode()


def test_home_requires_login(client):
    assert client.get("/").status_code == 302


def test_demo_logins_each_see_their_inbox(client):
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    for username in [
        "board.officer",
        "board.head",
        "council.chair",
        "council.secretary",
        "council.member1",
        "unit.officer",
        "unit.head",
        "chairman",
        "auditor",
    ]:
        assert client.login(username=username, password="tdkt-demo-2023"), username
        page = client.get("/").content.decode()
        assert "Việc cần xử lý" in page, username
        client.logout()


def test_inbox_lists_objects_waiting_for_the_user(client, widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    client.force_login(head)
    assert "Hồ sơ đề nghị khen thưởng" in client.get("/").content.decode()
    officer = person("officer", Role.BOARD_OFFICER)
    client.force_login(officer)
    assert "Hồ sơ đề nghị khen thưởng" not in client.get("/").content.decode()
    engine.perform(widget, "submit", user=head)
    assert "Hồ sơ đề nghị khen thưởng" in client.get("/").content.decode()


def test_transition_form_keeps_input_when_rejected(client, widget, unit, person):
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    client.force_login(person("officer", Role.BOARD_OFFICER))
    address = f"/thao-tac/testapp/widget/{widget.pk}/return_for_supplement/"
    response = client.post(address, {"comment": "Thiếu biên bản họp", "deadline": "31/02/2023"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Thiếu biên bản họp" in page
    assert "Nhập một ngày hợp lệ." in page
    widget.refresh_from_db()
    assert widget.state == "submitted"
    response = client.post(address, {"comment": "Thiếu biên bản họp", "deadline": "2023-03-01"})
    assert response.status_code == 302
    widget.refresh_from_db()
    assert widget.state == "returned"


def test_transition_page_explains_a_refusal(client, widget, unit, person):
    client.force_login(person("officer", Role.UNIT_OFFICER, unit=unit))
    response = client.post(f"/thao-tac/testapp/widget/{widget.pk}/submit/", {}, follow=True)
    assert "Chỉ Thủ trưởng đơn vị" in response.content.decode()
    widget.refresh_from_db()
    assert widget.state == "draft"


def test_other_units_objects_are_404(client, widget, other_unit, person):
    client.force_login(person("stranger", Role.UNIT_HEAD, unit=other_unit))
    assert client.get(f"/thao-tac/testapp/widget/{widget.pk}/submit/").status_code == 404


def test_history_page_and_exports(client, widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    engine.perform(widget, "submit", user=head, data={"comment": "Kính trình Ban"})
    client.force_login(person("auditor", Role.AUDITOR))
    base = f"/lich-su/testapp/widget/{widget.pk}/"
    page = client.get(base).content.decode()
    assert "Kính trình Ban" in page and "Thủ trưởng đơn vị" in page and "Dự thảo → Đã nộp" in page
    exported = client.get(base + "?format=json").json()
    assert [e["verb"] for e in exported["events"]] == ["submit"]
    csv_text = client.get(base + "?format=csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("sequence,created_at,actor")
    assert "submit" in csv_text
    client.force_login(head)
    assert client.get(base).status_code == 403


def test_auditor_checks_the_chain_in_the_browser(client, widget, unit, person):
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    client.force_login(person("auditor", Role.AUDITOR))
    page = client.post("/kiem-tra-nhat-ky/", follow=True).content.decode()
    assert "Nhật ký toàn vẹn." in page
    client.force_login(person("officer", Role.UNIT_OFFICER, unit=unit))
    assert client.get("/kiem-tra-nhat-ky/").status_code == 403


def test_english_is_the_second_locale(client):
    response = client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200


def test_notifications_reach_whoever_acts_next_once(widget, unit, person, django_capture_on_commit_callbacks):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    officer = person("officer", Role.BOARD_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        engine.perform(widget, "submit", user=head)
    assert Notification.objects.filter(recipient=officer).count() == 1
    assert any(officer.email in m.to for m in mail.outbox)
    from workflows.models import AuditEvent
    from workflows.tasks import notify_event

    event = AuditEvent.objects.get(verb="submit")
    assert notify_event(event.pk) == 0  # a second run sends nothing again
    assert Notification.objects.filter(recipient=officer).count() == 1


def test_seeing_a_unit_follows_the_membership_dates_without_a_copy_in_object_permissions(unit, person, grant):
    """may_view_unit reads the memberships themselves: a role that ended yesterday shows nothing today, one that
    runs until tomorrow shows the unit, and no guardian row is written for either (nothing to sync hourly)."""
    from django.contrib.auth import get_user_model
    from guardian.models import UserObjectPermission

    today = timezone.localdate()
    current, former = person("temp"), person("former")
    grant(
        current,
        Role.UNIT_OFFICER,
        unit=unit,
        valid_from=today - timedelta(days=5),
        valid_to=today + timedelta(days=1),
    )
    grant(
        former,
        Role.UNIT_OFFICER,
        unit=unit,
        valid_from=today - timedelta(days=5),
        valid_to=today - timedelta(days=1),
    )
    users = get_user_model().objects
    assert may_view_unit(users.get(pk=current.pk), unit)
    refused = may_view_unit(users.get(pk=former.pk), unit)
    assert not refused and refused.status == 404
    assert not UserObjectPermission.objects.exists()


def test_history_of_audited_data_without_a_lifecycle(client, unit, person, grant):
    officer = person("officer2")
    membership = grant(officer, Role.UNIT_OFFICER, unit=unit)
    client.force_login(person("auditor", Role.AUDITOR))
    page = client.get(f"/lich-su/workflows/membership/{membership.pk}/").content.decode()
    assert "membership_granted" in page
    client.force_login(officer)
    assert client.get(f"/lich-su/workflows/membership/{membership.pk}/").status_code == 404
    assert client.get("/lich-su/workflows/membership/not-a-number/").status_code == 404


def test_english_locale_translates_the_ui(client, person):
    client.force_login(person("auditor", Role.AUDITOR))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "My tasks" in page and "Việc cần xử lý" not in page
    assert ">English<" in page  # each language named in its own language
