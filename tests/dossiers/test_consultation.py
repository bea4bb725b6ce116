"""Hiệp y (NĐ 98 Điều 31, issue 16): the Board asks agencies about the state-level nominees with a deadline in
working days; the agencies each line's rule version requires must be asked (or waived by the Board head, with
a reason); forwarding to the central level waits for every answer or the deadline, and an objection holds
the objected nominee back unless the Board head overrides it with a reason. Service, API and web page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dossiers import consultation as hiep_y
from dossiers.models import ConsultationOutcome, ConsultationRequest, Dossier, DossierState, NomineeState
from workflows import engine
from workflows.audit import Actor, history_for
from workflows.calendar import add_working_days

from .consultation_helpers import consult_all
from .helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db

FORWARD = {"submission_number": "88/TTr-UBND", "submission_date": "2024-03-05"}
#: What the catalogue's versions require for a person or a collective that is not an enterprise
#: (dossiers/data/award_catalogue.yaml), in the order of ConsultationAgency.
REQUIRED = ["social_insurance", "environment", "labour", "party_committee"]
REQUIRED_NAMES = (
    "Cơ quan bảo hiểm xã hội, Cơ quan tài nguyên và môi trường, Cơ quan lao động - thương binh và xã hội, "
    "Cấp ủy Đảng"
)


def _decided(cast):
    dossier = ready_dossier(cast, lines=(("cstd-tq", None), ("cstd-tq", None)))
    return walk_to(cast, dossier, "decided")


def _forward_refused(dossier, cast) -> str:
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED
    assert not dossier.lines.filter(state=NomineeState.FORWARDED).exists()
    return str(refused.value)


def _past_deadline(request):
    ConsultationRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    request.refresh_from_db()


def test_forwarding_waits_for_answers_and_an_objection_needs_the_heads_override(cast):
    dossier = _decided(cast)
    first, second = dossier.lines.order_by("position", "pk")
    board = Actor(cast.board)
    tax = hiep_y.consultation_send(
        dossier=dossier, agency="tax", working_days=5, letter_reference="15/BTĐKT", actor=board
    )
    party = hiep_y.consultation_send(dossier=dossier, agency="party_committee", working_days=7, actor=board)
    consult_all(cast, dossier)  # the other agencies the rules require, agreed
    assert tax.deadline == add_working_days(timezone.localdate(), 5)
    message = _forward_refused(dossier, cast)
    assert f"Cơ quan thuế chưa trả lời (hạn đến hết ngày {tax.deadline:%d/%m/%Y})" in message
    assert "Cấp ủy Đảng chưa trả lời" in message

    hiep_y.consultation_answer(consultation=tax, outcome="agreed", answer_reference="90/CT", actor=board)
    hiep_y.consultation_answer(
        consultation=party,
        outcome="objected",
        reason="Đang xem xét đơn thư",
        lines=[str(second.pk)],
        actor=board,
    )
    message = _forward_refused(dossier, cast)
    assert "Cấp ủy Đảng không đồng ý với " + second.nominee.full_name in message
    assert "Đang xem xét đơn thư" in message and first.nominee.full_name not in message

    with pytest.raises(engine.ActionForbidden):
        hiep_y.consultation_override(consultation=party, reason="Đã xác minh", actor=board)
    with pytest.raises(ValidationError):
        hiep_y.consultation_override(consultation=party, reason=" ", actor=Actor(cast.board_head))
    hiep_y.consultation_override(
        consultation=party,
        reason="Đơn thư đã được giải quyết, không có vi phạm",
        actor=Actor(cast.board_head),
    )
    engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.FORWARDED
    verbs = [e.verb for e in history_for(dossier)]
    for verb in ("consultation_send", "consultation_answer", "consultation_override", "forward"):
        assert verb in verbs
    answer = [e for e in history_for(dossier) if e.verb == "consultation_answer"][-1]
    assert answer.data["outcome"] == "objected" and answer.data["lines"] == [second.pk]


def test_a_silent_agency_holds_forwarding_only_until_its_deadline(cast):
    dossier = _decided(cast)
    request = hiep_y.consultation_send(
        dossier=dossier, agency="social_insurance", working_days=3, actor=Actor(cast.board)
    )
    consult_all(cast, dossier)
    with pytest.raises(ValidationError) as refused:
        hiep_y.consultation_no_answer(consultation=request, actor=Actor(cast.board))
    assert "Chưa hết hạn trả lời hiệp y" in refused.value.messages[0]
    assert "chưa trả lời" in _forward_refused(dossier, cast)
    _past_deadline(request)
    assert hiep_y.forwarding_refusals(dossier) == []
    hiep_y.consultation_no_answer(consultation=request, actor=Actor(cast.board))
    request.refresh_from_db()
    assert request.outcome == ConsultationOutcome.NO_ANSWER
    engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.FORWARDED


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(cast):
    dossier = _decided(cast)
    board = Actor(cast.board)
    cases = [
        ({"agency": "bank", "working_days": 5}, "agency"),
        ({"agency": "tax", "working_days": 0}, "working_days"),
        ({"agency": "tax", "working_days": "năm"}, "working_days"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as refused:
            hiep_y.consultation_send(dossier=dossier, actor=board, **data)
        assert field in refused.value.message_dict
    assert not ConsultationRequest.objects.exists()
    with pytest.raises(engine.ActionForbidden):
        hiep_y.consultation_send(dossier=dossier, agency="tax", working_days=5, actor=Actor(cast.officer))
    request = hiep_y.consultation_send(dossier=dossier, agency="tax", working_days=5, actor=board)
    with pytest.raises(ValidationError) as refused:
        hiep_y.consultation_send(dossier=dossier, agency="tax", working_days=5, actor=board)
    assert refused.value.message_dict["agency"] == ["Đã gửi đề nghị hiệp y tới Cơ quan thuế."]
    with pytest.raises(ValidationError) as refused:
        hiep_y.consultation_answer(consultation=request, outcome="objected", reason="", lines=[], actor=board)
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        hiep_y.consultation_answer(
            consultation=request, outcome="objected", reason="Nợ thuế", lines=["999999"], actor=board
        )
    assert "lines" in refused.value.message_dict
    request.refresh_from_db()
    assert request.outcome == ConsultationOutcome.PENDING and not request.objected_lines.exists()


def test_a_dossier_without_state_level_awards_needs_no_consultation(cast):
    dossier = walk_to(cast, ready_dossier(cast), "decided")
    with pytest.raises(ValidationError) as refused:
        hiep_y.consultation_send(dossier=dossier, agency="tax", working_days=5, actor=Actor(cast.board))
    assert "không cần hiệp y" in refused.value.messages[0]


def test_api_sends_answers_and_the_forwarding_answers_409(cast, api):
    dossier = _decided(cast)
    second = dossier.lines.order_by("position", "pk").last()
    url = reverse("dossier-consultations", args=[dossier.pk])
    refused = api(cast.board).post(url, {"agency": "tax", "working_days": 45}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["working_days"] == [
        "Thời hạn trả lời từ 1 đến 30 ngày làm việc (đã nhập 45)."
    ]
    assert api(cast.officer).post(url, {"agency": "tax", "working_days": 5}, format="json").status_code == 403
    sent = api(cast.board).post(url, {"agency": "environment", "working_days": 5}, format="json")
    assert sent.status_code == 201, sent.content
    consultation_id = sent.json()["id"]
    consult_all(cast, dossier)

    forward_url = reverse("dossier-perform-transition", args=[dossier.pk, "forward"])
    blocked = api(cast.board).post(forward_url, FORWARD, format="json")
    assert blocked.status_code == 409
    assert "Cơ quan tài nguyên và môi trường chưa trả lời" in blocked.json()["detail"]

    answer_url = reverse("dossier-consultation-answer", args=[dossier.pk, consultation_id])
    assert (
        api(cast.board)
        .post(answer_url, {"outcome": "objected", "lines": [second.pk]}, format="json")
        .status_code
        == 400
    )
    objected = api(cast.board).post(
        answer_url,
        {"outcome": "objected", "reason": "Vi phạm môi trường", "lines": [second.pk]},
        format="json",
    )
    assert objected.status_code == 200, objected.content
    assert objected.json()["lines"] == [second.pk]
    listed = api(cast.auditor).get(url).json()
    assert "Vi phạm môi trường" in listed["forwarding_refusals"][0]
    assert api(cast.officer).get(url).status_code == 403

    override_url = reverse("dossier-consultation-override", args=[dossier.pk, consultation_id])
    assert api(cast.board).post(override_url, {"reason": "x"}, format="json").status_code == 403
    assert api(cast.board_head).post(override_url, {"reason": ""}, format="json").status_code == 400
    done = api(cast.board_head).post(override_url, {"reason": "Đã khắc phục"}, format="json")
    assert done.status_code == 200 and done.json()["overridden"] is True
    assert api(cast.board).post(forward_url, FORWARD, format="json").status_code == 200


def test_board_page_sends_and_records_keeping_the_input(cast, client):
    dossier = _decided(cast)
    client.force_login(cast.board)
    url = reverse("dossiers:consultation", args=[dossier.pk])
    page = client.get(url)
    assert page.status_code == 200
    # the send form comes ticked with the required agencies not asked yet
    send_form = page.context["send_form"]
    assert send_form.initial["agencies"] == REQUIRED
    assert 'name="s-agencies" value="party_committee"' in page.content.decode()
    refused = client.post(
        url,
        {
            "action": "send",
            "s-agencies": ["tax", "labour"],
            "s-working_days": "40",
            "s-letter_reference": "15/BTĐKT",
        },
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Thời hạn trả lời từ 1 đến 30 ngày làm việc (đã nhập 40)." in body and 'value="15/BTĐKT"' in body
    assert not ConsultationRequest.objects.exists()
    sent = client.post(url, {"action": "send", "s-agencies": ["tax", *REQUIRED], "s-working_days": "5"})
    assert sent.status_code == 302
    assert set(ConsultationRequest.objects.values_list("agency", flat=True)) == {"tax", *REQUIRED}
    request = ConsultationRequest.objects.get(agency="tax")
    prefix = f"answer{request.pk}"
    refused = client.post(
        url,
        {
            "action": "answer",
            "consultation": request.pk,
            f"{prefix}-outcome": "objected",
            f"{prefix}-reason": "Nợ thuế",
        },
    )
    assert refused.status_code == 400
    assert "Chọn (các) đối tượng cấp Nhà nước" in refused.content.decode()
    done = client.post(url, {"action": "answer", "consultation": request.pk, f"{prefix}-outcome": "agreed"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "Đồng ý" in page and "Cấp ủy Đảng chưa trả lời" in page
    for other in ConsultationRequest.objects.exclude(agency="tax"):
        hiep_y.consultation_answer(consultation=other, outcome="agreed", actor=Actor(cast.board))
    page = client.get(url).content.decode()
    assert "không còn điều gì ngăn việc trình Trung ương" in page
    client.force_login(cast.officer)
    assert client.get(url).status_code == 403
