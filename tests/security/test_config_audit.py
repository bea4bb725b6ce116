"""Issue 12 item 14: every write to configuration (units, councils, council rules, the award catalogue and its
eligibility rules, review criteria), from the admin or the API, goes through a service and records one audit
event with the before/after values of what changed; what is read-only in the admin refuses a direct POST."""

from datetime import date
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from councils.models import CouncilRule
from councils.services import council_rule_update
from dossiers.models import AwardType, EligibilityRule
from dossiers.services import award_type_update, eligibility_rule_delete
from organisations.models import Unit
from tests.factories import CouncilFactory, CouncilRuleFactory, CouncilTermFactory, UnitFactory, UserFactory
from workflows.audit import Actor
from workflows.config import unit_update
from workflows.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

CONFIG_VERBS = ["config_created", "config_updated", "config_deleted"]


class _FormFields(HTMLParser):
    """The values a browser would submit from the admin's change form, as the page rendered them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(
                attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def change_form(client, url) -> dict:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    parser = _FormFields()
    parser.feed(page.content.decode())
    data = {key: values if len(values) > 1 else values[0] for key, values in parser.data.items()}
    data["_save"] = "Lưu"
    return data


def config_events(verb=None):
    events = AuditEvent.objects.filter(verb__in=CONFIG_VERBS).order_by("sequence")
    return list(events.filter(verb=verb) if verb else events)


@pytest.fixture
def admin_client(client):
    superuser = UserFactory(username="it.admin", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.user = superuser
    return client


@pytest.fixture
def award(db):
    award = AwardType.objects.create(
        code="bang-khen-ubnd",
        name="Bằng khen của Chủ tịch UBND thành phố",
        level="city",
        recipient_kind="individual",
        deciding_authority="Chủ tịch UBND thành phố",
        route="city_decides",
        required_documents=["submission_letter", "achievement_report"],
        vote_threshold_percent=50,
        effective_from=date(2024, 1, 1),
    )
    EligibilityRule.objects.create(
        award=award,
        kind="rating_min",
        parameters={"rating": "good"},
        description="Hoàn thành tốt nhiệm vụ",
        legal_source="NĐ 98/2023",
    )
    return award


# -- the admin ----------------------------------------------------------------------------------------------


def test_unit_changed_in_the_admin_writes_one_event_with_before_and_after(admin_client):
    unit = UnitFactory(name="Sở Y tế")
    data = change_form(admin_client, f"/admin/organisations/unit/{unit.pk}/change/")
    data["name"] = "Sở Y tế thành phố Cần Thơ"
    response = admin_client.post(f"/admin/organisations/unit/{unit.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit.refresh_from_db()
    assert unit.name == "Sở Y tế thành phố Cần Thơ"
    [event] = config_events()
    assert event.verb == "config_updated" and event.actor == admin_client.user and event.role == "admin"
    assert event.subject_id == str(unit.pk)
    assert event.data["changes"] == {"name": ["Sở Y tế", "Sở Y tế thành phố Cần Thơ"]}


def test_council_rule_changed_in_the_admin_is_audited(admin_client):
    rule = CouncilRuleFactory()
    data = change_form(admin_client, f"/admin/councils/councilrule/{rule.pk}/change/")
    data["quorum_numerator"] = "1"
    data["quorum_denominator"] = "2"
    response = admin_client.post(f"/admin/councils/councilrule/{rule.pk}/change/", data)
    assert response.status_code == 302
    [event] = config_events()
    assert event.data["model"] == "councils.councilrule"
    assert event.data["changes"] == {"quorum_denominator": [3, 2], "quorum_numerator": [2, 1]}


def test_award_and_its_inline_eligibility_rule_changed_in_the_admin_are_audited_each(admin_client, award):
    data = change_form(admin_client, f"/admin/dossiers/awardtype/{award.pk}/change/")
    data["vote_threshold_percent"] = "65"
    data["rules-0-description"] = "Hoàn thành xuất sắc nhiệm vụ"
    response = admin_client.post(f"/admin/dossiers/awardtype/{award.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    award.refresh_from_db()
    assert str(award.vote_threshold_percent) == "65.00"
    events = config_events("config_updated")
    assert [e.data["model"] for e in events] == ["dossiers.awardtype", "dossiers.eligibilityrule"]
    assert events[0].data["changes"] == {"vote_threshold_percent": ["50.00", "65.00"]}
    assert events[1].data["changes"] == {
        "description": ["Hoàn thành tốt nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ"]
    }


def test_saving_the_admin_form_unchanged_writes_no_event(admin_client):
    unit = UnitFactory()
    data = change_form(admin_client, f"/admin/organisations/unit/{unit.pk}/change/")
    assert admin_client.post(f"/admin/organisations/unit/{unit.pk}/change/", data).status_code == 302
    assert config_events() == []


def test_unit_added_in_the_admin_is_audited_and_units_are_not_deleted_there(admin_client):
    data = change_form(admin_client, "/admin/organisations/unit/add/")
    data.update({"code": "so-moi", "name": "Sở Mới", "kind": "agency"})
    assert admin_client.post("/admin/organisations/unit/add/", data).status_code == 302
    unit = Unit.objects.get(code="so-moi")
    [event] = config_events("config_created")
    assert event.data["changes"]["name"] == [None, "Sở Mới"]
    assert (
        admin_client.post(f"/admin/organisations/unit/{unit.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_a_direct_admin_post_on_a_read_only_model_is_refused(admin_client):
    """A council session moves only through the engine: the admin shows it and refuses a forged change."""
    from councils.models import Session

    session = Session.objects.create(
        council_term=CouncilTermFactory(), title="Phiên họp xét khen thưởng", planned_on=date(2026, 12, 20)
    )
    url = f"/admin/councils/session/{session.pk}/change/"
    response = admin_client.post(url, {"title": "Phiên họp đã bị sửa", "state": "closed", "_save": "Lưu"})
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.title == "Phiên họp xét khen thưởng"
    assert (
        admin_client.post(f"/admin/councils/session/{session.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Session.objects.filter(pk=session.pk).exists() and config_events() == []


def test_a_membership_cannot_be_edited_in_the_admin(admin_client, person):
    from workflows.models import Membership

    person("officer", Role.BOARD_OFFICER)
    membership = Membership.objects.get(user__username="officer")
    response = admin_client.post(
        f"/admin/workflows/membership/{membership.pk}/change/",
        {"user": membership.user_id, "role": Role.CITY_CHAIRMAN, "valid_from": "01/01/2020"},
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.BOARD_OFFICER


# -- the API ------------------------------------------------------------------------------------------------


def test_unit_changed_through_the_api_writes_one_event_with_before_and_after(api, person):
    head = person("board.head", Role.BOARD_HEAD)
    unit = UnitFactory(name="Sở Xây dựng", short_name="SXD")
    response = api(head).patch(
        f"/api/units/{unit.pk}/", {"short_name": "Sở XD", "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    [event] = config_events()
    assert event.actor == head and event.role == Role.BOARD_HEAD and event.verb == "config_updated"
    assert event.data["changes"] == {"is_active": [True, False], "short_name": ["SXD", "Sở XD"]}


def test_unit_created_through_the_api_is_audited(api, person):
    head = person("board.head", Role.BOARD_HEAD)
    response = api(head).post(
        "/api/units/", {"code": "xa-moi", "name": "Xã Mới", "kind": "locality"}, format="json"
    )
    assert response.status_code == 201, response.content
    [event] = config_events("config_created")
    assert event.subject_id == str(response.json()["id"])
    assert event.data["changes"]["code"] == [None, "xa-moi"]


def test_unit_api_refuses_others_and_a_parent_loop_changing_nothing(api, person):
    parent = UnitFactory(name="Thành phố")
    child = UnitFactory(name="Quận", parent=parent)
    assert (
        api(person("officer", Role.BOARD_OFFICER)).patch(f"/api/units/{child.pk}/", {"name": "X"}).status_code
        == 403
    )
    head = person("board.head", Role.BOARD_HEAD)
    loop = api(head).patch(f"/api/units/{parent.pk}/", {"parent": child.pk}, format="json")
    assert loop.status_code == 400 and "parent" in loop.json()["errors"]
    parent.refresh_from_db()
    assert parent.parent_id is None and config_events() == []


# -- the services -------------------------------------------------------------------------------------------


def test_configuration_services_audit_before_after_and_refuse_non_board_actors(person, award, unit):
    head = person("board.head", Role.BOARD_HEAD)
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    rule = CouncilRule.objects.create(council=CouncilFactory())
    with pytest.raises(PermissionDenied):
        council_rule_update(rule=rule, abstain_allowed=True, actor=Actor(officer))
    with pytest.raises(PermissionDenied):
        unit_update(unit=unit, name="Đơn vị bị đổi tên", actor=Actor(officer))
    assert config_events() == []

    council_rule_update(rule=rule, abstain_allowed=True, actor=Actor(head))
    award_type_update(
        award=award,
        required_documents=["submission_letter"],
        effective_to=date(2030, 12, 31),
        actor=Actor(head),
    )
    eligibility_rule_delete(rule=award.rules.get(), actor=Actor(head))
    updated_rule, updated_award, deleted = config_events()
    assert updated_rule.data["changes"] == {"abstain_allowed": [False, True]}
    assert updated_award.data["changes"] == {
        "effective_to": [None, "2030-12-31"],
        "required_documents": [["submission_letter", "achievement_report"], ["submission_letter"]],
    }
    assert deleted.verb == "config_deleted" and deleted.data["changes"]["description"] == [
        "Hoàn thành tốt nhiệm vụ",
        None,
    ]
    assert not award.rules.exists()
    assert all(e.created_at <= timezone.now() and e.role == Role.BOARD_HEAD for e in (updated_rule, deleted))
