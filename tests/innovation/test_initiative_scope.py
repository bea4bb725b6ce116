"""Initiative scope integrity (issue 16, DOMAIN.md §2): a recognised scope never exceeds the recognising
council's level (a city council recognises at most city scope); a national scope needs a recorded central
recognition (document number and date). Service, API and web form; a refusal leaves nothing written."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.models import InitiativeRecognition
from innovation import services
from innovation.models import Initiative, InitiativeState
from organisations.models import CouncilLevel
from tests.factories import NomineeFactory
from workflows import engine
from workflows.audit import Actor, history_for

from .helpers import initiative_data, make_cast, open_round, recognise, submit

pytestmark = pytest.mark.django_db

AUTHORS = [{"full_name": "Lê Thị Mai", "share": "100"}]


@pytest.fixture
def cast(person):
    return make_cast(person)


def _submit(cast, round_, scope):
    return services.initiative_submit(
        round_=round_,
        unit=cast.unit,
        data=initiative_data(requested_scope=scope),
        authors=[{**AUTHORS[0], "unit": cast.unit}],
        actor=cast.officer,
    )


def test_a_city_council_recognises_at_most_city_scope(cast):
    round_ = open_round(cast)
    assert _submit(cast, round_, "city").requested_scope == "city"
    with pytest.raises(ValidationError) as refused:
        _submit(cast, round_, "state")
    [message] = refused.value.message_dict["requested_scope"]
    assert "«Nhà nước» vượt cấp" in message and "tối đa «Thành phố»" in message
    assert "văn bản công nhận của cơ quan Trung ương" in message
    assert refused.value.error_dict["requested_scope"][0].code == "scope_exceeds_council"
    assert Initiative.objects.count() == 1


def test_a_grassroots_council_recognises_at_most_grassroots_scope(cast):
    cast.term.council.level = CouncilLevel.GRASSROOTS
    cast.term.council.save()
    round_ = open_round(cast)
    assert _submit(cast, round_, "grassroots")
    with pytest.raises(ValidationError) as refused:
        _submit(cast, round_, "city")
    assert "tối đa «Cơ sở»" in refused.value.message_dict["requested_scope"][0]


def test_the_council_never_recognises_above_its_level(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    Initiative.objects.filter(pk=initiative.pk).update(
        requested_scope="state"
    )  # as if the rule were bypassed
    initiative.refresh_from_db()
    recognise(cast, round_, [initiative])
    initiative.refresh_from_db()
    assert initiative.state == InitiativeState.RECOGNISED and initiative.recognised_scope == "city"
    assert set(InitiativeRecognition.objects.values_list("scope", flat=True)) == {"city"}


def test_the_api_refuses_a_scope_above_the_council_with_a_code(cast, api):
    round_ = open_round(cast)
    payload = {
        "round": round_.pk,
        "unit": cast.unit.pk,
        "title": "Cải tiến quy trình cấp phép xây dựng",
        "field": "society",
        "summary": "Tóm tắt",
        "problem": "Vấn đề",
        "solution": "Giải pháp",
        "first_applied_on": "2022-01-10",
        "benefits": "Hiệu quả",
        "requested_scope": "state",
        "authors": [{"full_name": "Ngô Văn Sang", "unit": cast.unit.pk, "share": "100"}],
    }
    response = api(cast.officer).post("/api/v1/initiatives/", payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "scope_exceeds_council" and body["type"].endswith("/scope-exceeds-council")
    assert "vượt cấp" in body["errors"]["requested_scope"][0]
    assert not Initiative.objects.exists()
    payload["requested_scope"] = "city"
    assert api(cast.officer).post("/api/v1/initiatives/", payload, format="json").status_code == 201


def test_the_web_form_refuses_a_scope_above_the_council_and_keeps_the_input(cast):
    from .test_web_api import form_data

    round_ = open_round(cast)
    client = Client()
    client.force_login(cast.officer)
    data = {**form_data(cast, share_two="50"), "requested_scope": "state"}
    response = client.post(reverse("innovation:initiative_submit", args=[round_.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "vượt cấp" in html and "Ứng dụng mã QR trong quản lý tài sản công" in html
    assert not Initiative.objects.exists()


# -- national scope: a recorded central recognition ----------------------------------------------------------
def _recognised(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    recognise(cast, round_, [initiative])
    initiative.refresh_from_db()
    return initiative


def test_the_board_records_a_central_recognition_and_the_scope_becomes_national(cast):
    initiative = _recognised(cast)
    with pytest.raises(ValidationError) as refused:
        services.central_recognition_record(
            initiative=initiative, document_number="", document_date=None, actor=Actor(cast.board)
        )
    assert set(refused.value.message_dict) == {"central_document_number", "central_document_date"}
    with pytest.raises(engine.ActionForbidden):
        services.central_recognition_record(
            initiative=initiative,
            document_number="15/QĐ-BKHCN",
            document_date=date(2024, 3, 1),
            actor=Actor(cast.officer),
        )
    initiative.refresh_from_db()
    assert initiative.recognised_scope == "city" and initiative.central_document_number == ""
    services.central_recognition_record(
        initiative=initiative,
        document_number="15/QĐ-BKHCN",
        document_date=date(2024, 3, 1),
        actor=Actor(cast.board),
    )
    initiative.refresh_from_db()
    assert initiative.recognised_scope == "state" and initiative.central_document_date == date(2024, 3, 1)
    assert set(InitiativeRecognition.objects.values_list("scope", "central_document_number")) == {
        ("state", "15/QĐ-BKHCN")
    }
    assert [e.verb for e in history_for(initiative)][-1] == "central_recognition"


def test_no_central_recognition_for_an_initiative_not_recognised(cast):
    initiative = submit(cast, open_round(cast))
    with pytest.raises(engine.TransitionNotAllowed):
        services.central_recognition_record(
            initiative=initiative,
            document_number="15/QĐ-BKHCN",
            document_date=date(2024, 3, 1),
            actor=Actor(cast.board),
        )


def test_the_central_recognition_api_and_page(cast, api):
    initiative = _recognised(cast)
    url = f"/api/v1/initiatives/{initiative.pk}/central-recognition/"
    assert api(cast.officer).post(url, {}, format="json").status_code == 403
    missing = api(cast.board).post(url, {"document_number": "15/QĐ-BKHCN"}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "central_recognition_required"
    assert "ngày văn bản" in missing.json()["errors"]["central_document_date"][0]
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert (
        api(cast.board)
        .post(url, {"document_number": "1", "document_date": future}, format="json")
        .status_code
        == 400
    )
    client = Client()
    client.force_login(cast.board)
    page = reverse("innovation:central_recognition", args=[initiative.pk])
    kept = client.post(page, {"document_number": "15/QĐ-BKHCN", "document_date": ""})
    assert kept.status_code == 400
    html = kept.content.decode()
    assert "15/QĐ-BKHCN" in html and "ghi ngày văn bản" in html
    initiative.refresh_from_db()
    assert initiative.recognised_scope == "city"
    done = api(cast.board).post(
        url, {"document_number": "15/QĐ-BKHCN", "document_date": "2024-03-01"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert (
        done.json()["recognised_scope"] == "state" and done.json()["central_document_number"] == "15/QĐ-BKHCN"
    )
    assert "Phạm vi toàn quốc theo văn bản" in client.get(initiative.get_absolute_url()).content.decode()


# -- a nominee's declared initiative of national scope -------------------------------------------------------
def test_a_declared_national_initiative_needs_its_central_recognition(person, api):
    from tests.factories import UnitFactory
    from workflows.models import Role

    unit = UnitFactory()
    officer = person("unit.officer.scope", Role.UNIT_OFFICER, unit=unit)
    nominee = NomineeFactory(unit=unit)
    fields = {
        "title": "Phần mềm quản lý hồ sơ bệnh án điện tử",
        "scope": "state",
        "year": 2023,
        "recognised_by": "Bộ Y tế",
        "decision_number": "3/QĐ-BYT",
        "decision_date": date(2023, 5, 1),
    }
    with pytest.raises(ValidationError) as refused:
        dossier_services.record_declare(
            nominee=nominee, kind="initiative", fields=fields, actor=Actor(officer)
        )
    assert (
        "Phạm vi toàn quốc cần văn bản công nhận" in refused.value.message_dict["central_document_number"][0]
    )
    assert not InitiativeRecognition.objects.exists()
    url = f"/api/v1/nominees/{nominee.pk}/history/"
    body = {**fields, "kind": "initiative", "decision_date": "2023-05-01"}
    response = api(officer).post(url, body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "central_recognition_required"
    response = api(officer).post(
        url,
        {**body, "central_document_number": "3/QĐ-BYT", "central_document_date": "2023-05-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["central_document_number"] == "3/QĐ-BYT"
    city = dossier_services.record_declare(
        nominee=nominee,
        kind="initiative",
        fields={**fields, "scope": "city", "title": "Khác"},
        actor=Actor(officer),
    )
    assert city.central_document_number == ""  # a city scope needs none


def test_the_declare_form_keeps_a_national_initiative_without_its_central_recognition(person):
    from tests.factories import UnitFactory
    from workflows.models import Role

    unit = UnitFactory()
    officer = person("unit.officer.form", Role.UNIT_OFFICER, unit=unit)
    nominee = NomineeFactory(unit=unit)
    client = Client()
    client.force_login(officer)
    url = reverse("dossiers:nominee_declare", args=[nominee.pk, "initiative"])
    data = {
        "initiative-title": "Phần mềm quản lý bệnh án điện tử",
        "initiative-scope": "state",
        "initiative-year": "2023",
        "initiative-recognised_by": "Bộ Y tế",
        "initiative-decision_number": "3/QĐ-BYT",
        "initiative-decision_date": "01/05/2023",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Phạm vi toàn quốc cần văn bản công nhận của cơ quan Trung ương" in html
    assert "Phần mềm quản lý bệnh án điện tử" in html
    assert not InitiativeRecognition.objects.exists()
    data.update(
        {"initiative-central_document_number": "3/QĐ-BYT", "initiative-central_document_date": "01/05/2023"}
    )
    assert client.post(url, data).status_code == 302
    assert InitiativeRecognition.objects.get().central_document_date == date(2023, 5, 1)
