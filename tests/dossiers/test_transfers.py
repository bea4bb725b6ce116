"""A transfer keeps a person's history (issue 17): the Board records that a person moved from one unit to another
(dossiers.transfers.nominee_transfer); the new unit sees and proposes them with every title counted, the old
unit keeps only what happened while they were there (its dossiers, and in the register the titles won there),
a person on an open dossier line is not moved, and every transfer is one audit event with before/after."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services, transfers
from dossiers.eligibility import blocking_errors
from dossiers.models import AwardRecord, Nominee, NomineeEmployment
from tests.factories import AwardRecordFactory, InitiativeRecognitionFactory, NomineeFactory
from workflows.engine import ActionForbidden
from workflows.models import AuditEvent

from .helpers import YEAR, award

pytestmark = pytest.mark.django_db

TRANSFER_DAY = date(YEAR, 3, 1)
ACT = "Quyết định số 45/QĐ-SNV ngày 20/02/2023 của Sở Nội vụ"


@pytest.fixture
def moved(cast):
    """A person of unit A (Quận Ninh Kiều) with two CSTĐCS years there, before the transfer to unit B."""
    person = NomineeFactory(unit=cast.unit, full_name="Lê Văn Chuyển", sub_unit="Phòng Nội vụ")
    for year in (YEAR - 2, YEAR - 1):
        AwardRecordFactory(nominee=person, award=award("cstdcs"), year=year, decision_date=date(year, 12, 20))
    return person


def _transfer(cast, person, **overrides):
    fields = {
        "nominee": person,
        "to_unit": cast.other_unit,
        "on": TRANSFER_DAY,
        "legal_act": ACT,
        "actor": cast.board,
    }
    fields.update(overrides)
    return transfers.nominee_transfer(**fields)


def test_the_transfer_closes_the_period_opens_the_new_one_and_moves_the_unit(cast, moved):
    period = _transfer(cast, moved, position="Phó Trưởng phòng")
    moved.refresh_from_db()
    assert moved.unit == cast.other_unit
    assert moved.position == "Phó Trưởng phòng"
    assert moved.sub_unit == ""  # the old unit's sub-unit means nothing at the new one
    periods = list(NomineeEmployment.objects.filter(nominee=moved).order_by("pk"))
    assert [(p.unit, p.valid_from, p.valid_to) for p in periods] == [
        (cast.unit, None, TRANSFER_DAY - timedelta(days=1)),
        (cast.other_unit, TRANSFER_DAY, None),
    ]
    assert period == periods[1] and period.legal_act == ACT and period.created_by == cast.board
    assert transfers.unit_on(moved, date(YEAR, 2, 28)) == cast.unit
    assert transfers.unit_on(moved, TRANSFER_DAY) == cast.other_unit


def test_the_new_unit_counts_the_cstdcs_years_won_at_the_old_one(cast, moved):
    _transfer(cast, moved)
    AwardRecordFactory(nominee=moved, award=award("cstdcs"), year=YEAR, decision_date=date(YEAR, 12, 20))
    InitiativeRecognitionFactory(nominee=moved, scope="city", year=YEAR - 1)
    moved.refresh_from_db()
    assert blocking_errors(moved, award("cstd-tp"), YEAR, None) == []  # 3 consecutive CSTĐCS: 2 of them at A
    # and the new unit proposes them in its own dossier
    dossier = services.dossier_create(
        unit=cast.other_unit, year=YEAR, occasion="annual", title="Đề nghị năm 2023", user=cast.officer2
    )
    line = services.line_add(
        dossier=dossier,
        nominee=moved,
        award=award("cstd-tp"),
        achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
        user=cast.officer2,
    )
    assert line.nominee_id == moved.pk
    old = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị", user=cast.officer
    )
    with pytest.raises(
        ValidationError, match="Đối tượng không thuộc đơn vị đề nghị"
    ):  # the old unit no longer
        services.line_add(
            dossier=old, nominee=moved, award=award("cstd-tp"), achievement_report="…", user=cast.officer
        )


def test_one_audit_event_with_the_unit_and_the_periods_before_and_after(cast, moved):
    _transfer(cast, moved, note="Theo nguyện vọng cá nhân")
    [event] = AuditEvent.objects.filter(verb="nominee_transferred", subject_id=str(moved.pk))
    assert event.actor == cast.board and event.comment == "Theo nguyện vọng cá nhân"
    data = event.data
    assert data["from_unit"] == cast.unit.code and data["to_unit"] == cast.other_unit.code
    assert data["transferred_on"] == TRANSFER_DAY.isoformat() and data["legal_act"] == ACT
    assert data["changes"]["unit"] == [cast.unit.name, cast.other_unit.name]
    assert data["changes"]["sub_unit"] == ["Phòng Nội vụ", ""]
    assert data["periods"]["before"] == [
        {"unit": cast.unit.code, "valid_from": None, "valid_to": None, "legal_act": ""}
    ]
    assert [p["unit"] for p in data["periods"]["after"]] == [cast.unit.code, cast.other_unit.code]


def test_only_the_board_records_a_transfer(cast, moved):
    for user in (cast.officer, cast.head2, cast.chairman, cast.auditor):
        with pytest.raises(ActionForbidden, match="Chỉ Ban TĐKT được ghi việc chuyển công tác"):
            _transfer(cast, moved, actor=user)
    assert Nominee.objects.get(pk=moved.pk).unit == cast.unit
    _transfer(cast, moved, actor=cast.board_head)
    assert Nominee.objects.get(pk=moved.pk).unit == cast.other_unit


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"on": None}, "on", "Hãy nhập ngày chuyển công tác"),
        ({"on": date.today() + timedelta(days=1)}, "on", "không được sau hôm nay"),
        ({"to_unit": None}, "to_unit", "Hãy chọn đơn vị chuyển đến"),
        ({"legal_act": "  "}, "legal_act", "Ghi quyết định điều động"),
        ({"legal_act": "x" * 256}, "legal_act", "Tối đa 255 ký tự"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_changes(cast, moved, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        _transfer(cast, moved, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert Nominee.objects.get(pk=moved.pk).unit == cast.unit
    assert not NomineeEmployment.objects.exists()
    assert not AuditEvent.objects.filter(verb="nominee_transferred").exists()


def test_same_unit_a_collective_and_a_day_before_the_current_period_are_refused(cast, moved):
    with pytest.raises(ValidationError, match="đang công tác tại"):
        _transfer(cast, moved, to_unit=cast.unit)
    team = NomineeFactory(unit=cast.unit, kind="collective", full_name="Phòng Nội vụ", gender="")
    with pytest.raises(ValidationError, match="Chỉ cá nhân mới chuyển công tác"):
        _transfer(cast, team)
    _transfer(cast, moved)
    with pytest.raises(
        ValidationError, match="phải sau ngày bắt đầu công tác tại «Sở Y tế» \\(01/03/2023\\)"
    ):
        _transfer(cast, moved, to_unit=cast.unit, on=TRANSFER_DAY)
    _transfer(cast, moved, to_unit=cast.unit, on=TRANSFER_DAY + timedelta(days=30))  # and back again
    assert [p.unit for p in transfers.employments_of(moved)] == [cast.unit, cast.other_unit, cast.unit]


def test_a_person_on_an_open_dossier_line_is_not_moved(cast, moved):
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị khen năm 2023", user=cast.officer
    )
    line = services.line_add(
        dossier=dossier,
        nominee=moved,
        award=award("cstdcs"),
        achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
        user=cast.officer,
    )
    with pytest.raises(ValidationError) as refused:
        _transfer(cast, moved)
    [message] = refused.value.messages
    assert "đang được đề nghị trong hồ sơ chưa có kết quả của «Quận Ninh Kiều»" in message
    assert f"«Đề nghị khen năm 2023» (#{dossier.pk}" in message
    assert refused.value.error_list[0].code == "open_dossier_line"
    moved.refresh_from_db()
    assert moved.unit == cast.unit and moved.sub_unit == "Phòng Nội vụ"
    assert not NomineeEmployment.objects.exists()
    # once the unit takes the line out of its draft, the transfer goes through
    services.line_remove(line=line, user=cast.officer)
    _transfer(cast, moved)


def test_the_old_unit_keeps_what_happened_there_and_nothing_else(client, cast, moved):
    _transfer(cast, moved)
    AwardRecordFactory(
        nominee=moved,
        award=award("cstdcs"),
        year=YEAR,
        decision_number="77/QĐ-SYT",
        decision_date=date(YEAR, 12, 20),
    )
    page = reverse("dossiers:nominee", args=[moved.pk])
    client.force_login(cast.officer)  # the old unit
    assert client.get(page).status_code == 404
    register = client.get(reverse("dossiers:register")).content.decode()
    old_numbers = list(AwardRecord.objects.filter(year__lt=YEAR).values_list("decision_number", flat=True))
    assert all(number in register for number in old_numbers)
    assert "77/QĐ-SYT" not in register
    assert "Nay công tác tại Sở Y tế" in register
    assert page not in register  # the name is not a link to a page the old unit cannot open
    client.force_login(cast.officer2)  # the new unit: the page and the whole register
    detail = client.get(page).content.decode()
    assert "Quá trình công tác" in detail and ACT in detail
    register = client.get(reverse("dossiers:register")).content.decode()
    assert all(number in register for number in [*old_numbers, "77/QĐ-SYT"])
    assert page in register


def test_board_web_form_records_the_transfer_and_shows_the_history(client, cast, moved):
    client.force_login(cast.board)
    page = reverse("dossiers:nominee", args=[moved.pk])
    assert "Chuyển công tác" in client.get(page).content.decode()
    url = reverse("dossiers:nominee_transfer", args=[moved.pk])
    response = client.post(
        url,
        {
            "transfer-to_unit": cast.other_unit.pk,
            "transfer-on": "01/03/2023",
            "transfer-legal_act": "",
            "transfer-position": "Chuyên viên chính",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ghi quyết định điều động, chuyển công tác" in body
    assert 'value="Chuyên viên chính"' in body  # the user's input kept
    assert Nominee.objects.get(pk=moved.pk).unit == cast.unit
    response = client.post(
        url,
        {"transfer-to_unit": cast.other_unit.pk, "transfer-on": "01/03/2023", "transfer-legal_act": ACT},
    )
    assert response.status_code == 302
    body = client.get(page).content.decode()
    assert "Đã ghi chuyển công tác sang «Sở Y tế»" in body
    assert body.count("data-employment") == 2 and "28/02/2023" in body and "01/03/2023" in body


def test_a_unit_cannot_post_the_web_form(client, cast, moved):
    client.force_login(cast.head)
    url = reverse("dossiers:nominee_transfer", args=[moved.pk])
    response = client.post(
        url, {"transfer-to_unit": cast.other_unit.pk, "transfer-on": "01/03/2023", "transfer-legal_act": ACT}
    )
    assert response.status_code == 403
    assert "Chuyển công tác" not in client.get(reverse("dossiers:nominee", args=[moved.pk])).content.decode()
    assert Nominee.objects.get(pk=moved.pk).unit == cast.unit


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_shows_the_employments_and_records_a_transfer(cast, moved):
    board = _api(cast.board)
    detail = board.get(f"/api/v1/nominees/{moved.pk}/").json()
    assert detail["employments"] == [
        {
            "unit": cast.unit.pk,
            "unit_name": cast.unit.name,
            "valid_from": None,
            "valid_to": None,
            "legal_act": "",
            "note": "",
        }
    ]
    response = board.post(
        f"/api/v1/nominees/{moved.pk}/transfer/",
        {"to_unit": cast.other_unit.pk, "on": "2023-03-01", "legal_act": ACT},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == cast.other_unit.pk
    assert [(p["unit"], p["valid_from"], p["valid_to"]) for p in body["employments"]] == [
        (cast.unit.pk, None, "2023-02-28"),
        (cast.other_unit.pk, "2023-03-01", None),
    ]
    assert _api(cast.officer2).get(f"/api/v1/nominees/{moved.pk}/").status_code == 200
    assert _api(cast.officer).get(f"/api/v1/nominees/{moved.pk}/").status_code == 404


def test_api_refusals_are_problem_details(cast, moved):
    url = f"/api/v1/nominees/{moved.pk}/transfer/"
    payload = {"to_unit": cast.other_unit.pk, "on": "2023-03-01", "legal_act": ACT}
    refused = _api(cast.officer).post(url, payload, format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "Chỉ Ban TĐKT được ghi việc chuyển công tác" in refused.json()["detail"]
    bad = _api(cast.board).post(url, {**payload, "legal_act": ""}, format="json")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert "Ghi quyết định điều động" in bad.json()["errors"]["legal_act"][0]
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Hồ sơ đang mở", user=cast.officer
    )
    services.line_add(
        dossier=dossier, nominee=moved, award=award("cstdcs"), achievement_report="…", user=cast.officer
    )
    open_line = _api(cast.board).post(url, payload, format="json")
    assert open_line.status_code == 400
    assert open_line.json()["code"] == "open_dossier_line"
    assert "Hồ sơ đang mở" in open_line.json()["detail"]
    assert Nominee.objects.get(pk=moved.pk).unit == cast.unit


def test_the_nominee_list_reads_the_employments_in_constant_queries(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _api(cast.board)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/nominees/").status_code == 200
        return len(captured)

    person = NomineeFactory(unit=cast.unit)
    _transfer(cast, person)
    few = count()
    for _ in range(4):
        _transfer(cast, NomineeFactory(unit=cast.unit))
    assert count() == few
