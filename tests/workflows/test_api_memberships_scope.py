"""Issue 18, "Reading what a client needs": /api/v1/memberships/ shows each user only what their role needs — a unit
user their own unit's memberships, a council member their council term's, the Board and auditors all — decided in
the permission layer (workflows.policies.may_read_all_memberships / readable_memberships)."""

from __future__ import annotations

import pytest

from tests.factories import CouncilTermFactory
from workflows.models import Membership, Role
from workflows.policies import REGISTRY

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(person, unit, other_unit):
    term = CouncilTermFactory()
    other_term = CouncilTermFactory()
    return {
        "officer": person("cb.ninhkieu", Role.UNIT_OFFICER, unit=unit),
        "head": person("tt.ninhkieu", Role.UNIT_HEAD, unit=unit),
        "officer2": person("cb.syte", Role.UNIT_OFFICER, unit=other_unit),
        "member": person("tv.hoidong", Role.COUNCIL_MEMBER, council_term=term),
        "secretary": person("tk.hoidong", Role.COUNCIL_SECRETARY, council_term=term),
        "member2": person("tv.hoidongkhac", Role.COUNCIL_MEMBER, council_term=other_term),
        "board": person("cv.ban", Role.BOARD_OFFICER),
        "board_head": person("truong.ban", Role.BOARD_HEAD),
        "auditor": person("kiem.tra", Role.AUDITOR),
        "chairman": person("chu.tich", Role.CITY_CHAIRMAN),
        "unit": unit,
        "other_unit": other_unit,
        "term": term,
        "other_term": other_term,
    }


def _listed(api, user) -> set[int]:
    body = api(user).get("/api/v1/memberships/", {"page_size": 100}).json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def _ids(**filters) -> set[int]:
    return set(Membership.objects.filter(**filters).values_list("pk", flat=True))


def test_a_unit_user_lists_their_own_units_memberships_only(api, people):
    expected = _ids(unit=people["unit"])
    assert expected and _listed(api, people["officer"]) == expected
    assert _listed(api, people["head"]) == expected
    assert _listed(api, people["officer2"]) == _ids(unit=people["other_unit"])


def test_a_council_member_lists_their_councils_memberships_only(api, people):
    expected = _ids(council_term=people["term"])
    assert len(expected) == 2
    assert _listed(api, people["member"]) == expected
    assert _listed(api, people["secretary"]) == expected
    assert _listed(api, people["member2"]) == _ids(council_term=people["other_term"])


def test_the_board_and_the_auditor_list_every_membership(api, people):
    everything = set(Membership.objects.values_list("pk", flat=True))
    for who in ("board", "board_head", "auditor"):
        assert _listed(api, people[who]) == everything, who


def test_someone_else_sees_their_own_memberships(api, people):
    assert _listed(api, people["chairman"]) == _ids(user=people["chairman"])


def test_a_user_with_two_roles_lists_both_scopes(api, people, grant):
    grant(people["officer"], Role.COUNCIL_MEMBER, council_term=people["term"])
    assert _listed(api, people["officer"]) == _ids(unit=people["unit"]) | _ids(council_term=people["term"])


def test_another_units_membership_answers_as_a_missing_one(api, people):
    theirs = Membership.objects.get(user=people["officer2"])
    missing = Membership.objects.order_by("-pk").first().pk + 1000
    refused = api(people["officer"]).get(f"/api/v1/memberships/{theirs.pk}/")
    absent = api(people["officer"]).get(f"/api/v1/memberships/{missing}/")
    assert refused.status_code == absent.status_code == 404
    assert refused.json() == absent.json()
    own = Membership.objects.get(user=people["head"])
    assert api(people["officer"]).get(f"/api/v1/memberships/{own.pk}/").status_code == 200
    assert api(people["board"]).get(f"/api/v1/memberships/{theirs.pk}/").status_code == 200


def test_a_lapsed_unit_role_no_longer_shows_the_units_memberships(api, people, person, unit):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    lapsed = person("cb.cu", Role.UNIT_OFFICER, unit=unit, valid_from=today - timedelta(days=30))
    Membership.objects.filter(user=lapsed).update(valid_to=today - timedelta(days=1))
    assert _listed(api, lapsed) == _ids(user=lapsed)


def test_the_rule_is_a_policy_of_the_permission_layer():
    entry = REGISTRY["may_read_all_memberships"]
    assert entry.module == "workflows.policies"
    assert set(entry.roles) == {Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR}


def test_filters_narrow_the_callers_list_and_never_widen_it(api, people):
    other = people["other_unit"].pk
    body = api(people["officer"]).get(f"/api/v1/memberships/?unit={other}").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert rows == []
    body = api(people["board"]).get(f"/api/v1/memberships/?unit={other}").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {row["id"] for row in rows} == _ids(unit=people["other_unit"])
