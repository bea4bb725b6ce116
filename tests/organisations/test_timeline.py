"""The organisation over time: dated parents, successions and the audited services that write them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

import organisations
from organisations.models import SuccessionKind, Unit, UnitKind, UnitParentPeriod, UnitSuccession
from tests.factories import UnitFactory
from workflows.audit import Actor
from workflows.models import AuditEvent, Role
from workflows.organisation_services import unit_parent_change, unit_succession_record
from workflows.policies import PolicyDenied

pytestmark = pytest.mark.django_db

LAST_DISTRICT_DAY = date(2025, 6, 30)
REFORM_DAY = date(2025, 7, 1)
ACT = "Nghị quyết 1668/NQ-UBTVQH15"


@pytest.fixture
def board_head(person):
    return Actor(person("board.head", Role.BOARD_HEAD), role=Role.BOARD_HEAD)


@pytest.fixture
def tree(db):
    city = UnitFactory(code="ubnd-tp", name="UBND thành phố Cần Thơ", kind=UnitKind.PEOPLES_COMMITTEE)
    district = UnitFactory(code="ninh-kieu", name="UBND quận Ninh Kiều", kind=UnitKind.LOCALITY, parent=city)
    wards = [
        UnitFactory(code=code, name=name, kind=UnitKind.LOCALITY, parent=district)
        for code, name in [
            ("tan-an", "UBND phường Tân An"),
            ("thoi-binh", "UBND phường Thới Bình"),
            ("xuan-khanh", "UBND phường Xuân Khánh"),
        ]
    ]
    new_ward = UnitFactory(
        code="p-ninh-kieu", name="UBND phường Ninh Kiều", kind=UnitKind.LOCALITY, valid_from=REFORM_DAY
    )
    return city, district, wards, new_ward


def _merge(tree, board_head):
    city, district, wards, new_ward = tree
    unit_parent_change(unit=new_ward, parent=city, effective_on=REFORM_DAY, actor=board_head)
    return unit_succession_record(
        predecessors=wards,
        successor=new_ward,
        kind=SuccessionKind.MERGE,
        effective_on=REFORM_DAY,
        legal_act=ACT,
        actor=board_head,
    )


def test_units_on_a_day_follow_their_validity(tree, board_head):
    city, district, wards, new_ward = tree
    _merge(tree, board_head)
    before = set(organisations.units_on(LAST_DISTRICT_DAY).values_list("code", flat=True))
    after = set(organisations.units_on(REFORM_DAY).values_list("code", flat=True))
    assert {"tan-an", "thoi-binh", "xuan-khanh", "ninh-kieu", "ubnd-tp"} <= before
    assert "p-ninh-kieu" not in before
    assert {"p-ninh-kieu", "ubnd-tp", "ninh-kieu"} <= after
    assert not {"tan-an", "thoi-binh", "xuan-khanh"} & after


def test_a_merge_closes_the_predecessors_the_day_before_and_links_them(tree, board_head):
    city, district, wards, new_ward = tree
    links = _merge(tree, board_head)
    assert len(links) == 3
    for ward in wards:
        ward.refresh_from_db()
        assert ward.valid_to == LAST_DISTRICT_DAY
        # its parent period ended with it; Unit.parent (the parent today) is gone
        assert organisations.parent_on(ward, LAST_DISTRICT_DAY) == district
        assert organisations.parent_on(ward, REFORM_DAY) is None
        assert ward.parent is None
        assert organisations.successors_of(ward, REFORM_DAY) == [new_ward]
        assert organisations.successors_of(ward, LAST_DISTRICT_DAY) == [ward]
    assert set(organisations.predecessors_of(new_ward)) == set(wards)
    assert {link.legal_act for link in UnitSuccession.objects.all()} == {ACT}


def test_successors_follow_the_chain_and_predecessors_are_transitive(tree, board_head):
    city, district, wards, new_ward = tree
    _merge(tree, board_head)
    renamed = UnitFactory(
        code="p-ninh-kieu-moi", name="UBND phường Ninh Kiều (mới)", valid_from=date(2027, 1, 1)
    )
    unit_succession_record(
        predecessors=[new_ward],
        successor=renamed,
        kind=SuccessionKind.RENAME,
        effective_on=date(2027, 1, 1),
        actor=board_head,
    )
    for unit in (*wards, new_ward):
        unit.refresh_from_db()
    assert organisations.successors_of(wards[0], date(2027, 3, 1)) == [renamed]
    assert organisations.successors_of(wards[0], date(2026, 3, 1)) == [new_ward]
    assert set(organisations.predecessors_of(renamed)) == {new_ward, *wards}
    seen = organisations.as_of(wards[0], date(2027, 3, 1))
    assert not seen.in_force and seen.standing_for == [renamed]
    earlier = organisations.as_of(renamed, date(2024, 1, 1))
    assert set(earlier.standing_for) == set(wards)


def test_the_dated_parent_answers_for_each_day(tree, board_head):
    city, district, wards, new_ward = tree
    other = UnitFactory(code="cai-rang", name="UBND quận Cái Răng", kind=UnitKind.LOCALITY, parent=city)
    unit_parent_change(unit=wards[0], parent=other, effective_on=date(2024, 1, 1), actor=board_head)
    wards[0].refresh_from_db()
    assert organisations.parent_on(wards[0], date(2023, 12, 31)) == district
    assert organisations.parent_on(wards[0], date(2024, 1, 1)) == other
    assert wards[0].parent == other  # the parent today, kept in step
    periods = list(UnitParentPeriod.objects.filter(unit=wards[0]))
    assert [(p.parent.code, p.valid_from, p.valid_to) for p in periods] == [
        ("ninh-kieu", None, date(2023, 12, 31)),
        ("cai-rang", date(2024, 1, 1), None),
    ]


def test_a_unit_without_periods_reads_its_current_parent(tree):
    city, district, wards, new_ward = tree
    assert not UnitParentPeriod.objects.filter(unit=district).exists()
    assert organisations.parent_on(district, date(1999, 1, 1)) == city


def test_overlapping_parent_periods_are_refused(tree, board_head):
    city, district, wards, new_ward = tree
    other = UnitFactory(code="cai-rang", parent=city)
    unit_parent_change(unit=wards[0], parent=other, effective_on=date(2024, 1, 1), actor=board_head)
    with pytest.raises(ValidationError) as refused:
        unit_parent_change(unit=wards[0], parent=city, effective_on=date(2023, 6, 1), actor=board_head)
    assert "chồng lên" in refused.value.message_dict["effective_on"][0]
    with pytest.raises(ValidationError) as refused:
        unit_parent_change(
            unit=wards[0],
            parent=city,
            effective_on=date(2024, 3, 1),
            valid_to=date(2024, 2, 1),
            actor=board_head,
        )
    assert "valid_to" in refused.value.message_dict
    assert UnitParentPeriod.objects.filter(unit=wards[0]).count() == 2


def test_a_parent_cycle_is_refused(tree, board_head):
    city, district, wards, new_ward = tree
    with pytest.raises(ValidationError) as refused:
        unit_parent_change(unit=district, parent=wards[0], effective_on=date(2024, 1, 1), actor=board_head)
    assert "cấp dưới" in refused.value.message_dict["parent"][0]


def test_a_succession_cycle_is_refused(tree, board_head):
    city, district, wards, new_ward = tree
    _merge(tree, board_head)
    with pytest.raises(ValidationError) as refused:
        unit_succession_record(
            predecessors=[new_ward],
            successor=wards[0],
            kind=SuccessionKind.RENAME,
            effective_on=date(2020, 1, 1),
            close_predecessors=False,
            actor=board_head,
        )
    assert "vòng tròn" in refused.value.message_dict["predecessors"][0]


def test_a_succession_into_a_unit_not_in_force_is_refused(tree, board_head):
    city, district, wards, new_ward = tree
    with pytest.raises(ValidationError) as refused:
        unit_succession_record(
            predecessors=wards,
            successor=new_ward,
            kind=SuccessionKind.MERGE,
            effective_on=date(2025, 1, 1),  # the new ward begins on 1 July
            actor=board_head,
        )
    assert "không có hiệu lực vào ngày 01/01/2025" in refused.value.message_dict["successor"][0]
    assert not UnitSuccession.objects.exists()
    assert Unit.objects.get(code="tan-an").valid_to is None


def test_close_predecessors_false_keeps_their_dates(tree, board_head):
    city, district, wards, new_ward = tree
    unit_succession_record(
        predecessors=[district],
        successor=new_ward,
        kind=SuccessionKind.SPLIT,
        effective_on=REFORM_DAY,
        close_predecessors=False,
        actor=board_head,
    )
    district.refresh_from_db()
    assert district.valid_to is None


def test_each_service_call_is_one_audit_event_with_before_and_after(tree, board_head):
    city, district, wards, new_ward = tree
    start = AuditEvent.objects.count()
    _merge(tree, board_head)
    events = list(AuditEvent.objects.order_by("sequence")[start:])
    assert [e.verb for e in events] == ["unit_parent_changed", "unit_succession_recorded"]
    parent_event, merge_event = events
    assert parent_event.data["changes"]["parent"] == [None, "ubnd-tp"]
    assert parent_event.data["changes"]["parent_periods"][1] == [
        {"parent": "ubnd-tp", "valid_from": "2025-07-01", "valid_to": None}
    ]
    assert merge_event.subject_id == str(new_ward.pk) or int(merge_event.subject_id) == new_ward.pk
    assert merge_event.role == Role.BOARD_HEAD
    assert merge_event.data["legal_act"] == ACT
    assert merge_event.data["predecessors"] == ["tan-an", "thoi-binh", "xuan-khanh"]
    assert merge_event.data["changes"]["tan-an"] == {"valid_to": [None, "2025-06-30"]}


def test_only_who_may_configure_records_a_succession(tree, person):
    city, district, wards, new_ward = tree
    officer = Actor(person("unit.officer", Role.UNIT_OFFICER, unit=district))
    with pytest.raises(PolicyDenied):
        unit_succession_record(
            predecessors=wards,
            successor=new_ward,
            kind=SuccessionKind.MERGE,
            effective_on=REFORM_DAY,
            actor=officer,
        )
    assert not UnitSuccession.objects.exists()


def test_ending_a_district_closes_it_and_its_parent_period_audited(tree, board_head):
    from workflows.organisation_services import unit_end

    city, district, wards, new_ward = tree
    unit_end(
        unit=district, last_day=LAST_DISTRICT_DAY, legal_act="Nghị định 129/2025/NĐ-CP", actor=board_head
    )
    district.refresh_from_db()
    assert district.valid_to == LAST_DISTRICT_DAY and district.parent is None
    assert organisations.parent_on(district, LAST_DISTRICT_DAY) == city
    assert "ninh-kieu" not in set(organisations.units_on(REFORM_DAY).values_list("code", flat=True))
    event = AuditEvent.objects.filter(verb="unit_ended").get()
    assert event.data["changes"] == {"valid_to": [None, "2025-06-30"]}
    unit_end(unit=district, last_day=LAST_DISTRICT_DAY, actor=board_head)  # again: nothing new
    assert AuditEvent.objects.filter(verb="unit_ended").count() == 1


def test_a_parent_change_recorded_ahead_of_its_date_takes_effect_on_the_day(tree, board_head):
    """The Board records today that a ward moves to another parent next week: Unit.parent (what the scopes and
    pages read as the parent today) stays until that day, then the hourly task moves it, once, with an audit
    event; running the task again changes nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from workflows.organisation_services import unit_parents_follow_today
    from workflows.tasks import sync_unit_parents

    city, district, wards, _new_ward = tree
    today = timezone.localdate()
    ward = wards[0]
    unit_parent_change(unit=ward, parent=city, effective_on=today + timedelta(days=7), actor=board_head)
    ward.refresh_from_db()
    assert ward.parent == district
    assert sync_unit_parents() == 0  # not yet: today the ward is still under the district
    ward.refresh_from_db()
    assert ward.parent == district
    assert unit_parents_follow_today(today=today + timedelta(days=7)) == 1
    ward.refresh_from_db()
    assert ward.parent == city
    event = AuditEvent.objects.filter(verb="unit_parent_followed").get()
    assert event.subject_id == str(ward.pk) and event.actor is None
    assert event.data["changes"]["parent"] == [district.code, city.code]
    assert unit_parents_follow_today(today=today + timedelta(days=8)) == 0
    assert AuditEvent.objects.filter(verb="unit_parent_followed").count() == 1
