"""Hiệp y is mandatory where the rules require it (issue 16, NĐ 98 Điều 31): the rule version each state-level
line is judged by lists the agencies whose opinion it needs, per kind of nominee; forwarding is refused until
each has been asked and answered (or is silent past its deadline), unless the Board head waived it for the
dossier with a reason. Service, API, web pages, the forwarding package and the rules page."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dossiers import consultation as hiep_y
from dossiers.models import (
    ConsultationRequest,
    ConsultationWaiver,
    Dossier,
    DossierState,
    ForwardingPackage,
    NomineeState,
    RuleVersion,
)
from organisations.models import Unit, UnitKind
from workflows import engine
from workflows.audit import Actor, history_for
from workflows.history import verb_label
from workflows.names import full_name

from .consultation_helpers import consult_all
from .helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db

FORWARD = {"submission_number": "88/TTr-UBND", "submission_date": "2024-03-05"}
REQUIRED = ["social_insurance", "environment", "labour", "party_committee"]
REQUIRED_NAMES = (
    "Cơ quan bảo hiểm xã hội, Cơ quan tài nguyên và môi trường, Cơ quan lao động - thương binh và xã hội, "
    "Cấp ủy Đảng"
)
WAIVE_LABEL = "Trưởng Ban miễn hiệp y một cơ quan cho hồ sơ"
REASON = "Đối tượng không phải doanh nghiệp: không cần ý kiến của cơ quan môi trường."


def _decided(cast):
    return walk_to(cast, ready_dossier(cast, lines=(("cstd-tq", None), ("cstd-tq", None))), "decided")


def _forward_refused(dossier, cast) -> str:
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED
    assert not dossier.lines.filter(state=NomineeState.FORWARDED).exists()
    assert not ForwardingPackage.objects.filter(dossier=dossier).exists()
    return str(refused.value)


def _send_and_agree(cast, dossier, agencies):
    board = Actor(cast.board)
    for agency in agencies:
        request = hiep_y.consultation_send(dossier=dossier, agency=agency, working_days=5, actor=board)
        hiep_y.consultation_answer(consultation=request, outcome="agreed", actor=board)


def test_forwarding_is_refused_until_every_required_agency_answered_or_is_waived_by_the_head(cast):
    dossier = _decided(cast)
    # nothing sent: refused, naming every agency the rules require (before, a dossier with no request passed)
    assert f"Chưa gửi hiệp y: {REQUIRED_NAMES} (" in _forward_refused(dossier, cast)

    _send_and_agree(cast, dossier, ["social_insurance", "labour", "party_committee"])
    message = _forward_refused(dossier, cast)
    assert "Chưa gửi hiệp y: Cơ quan tài nguyên và môi trường (" in message
    assert "Cơ quan bảo hiểm xã hội" not in message

    # a Board officer who is not the head may not waive; nothing is written
    with pytest.raises(engine.ActionForbidden) as forbidden:
        hiep_y.consultation_waive(
            dossier=dossier, agency="environment", reason=REASON, actor=Actor(cast.board)
        )
    assert "Trưởng Ban" in str(forbidden.value)
    head = Actor(cast.board_head)
    refusals = {
        ("environment", " "): "reason",  # a reason is required
        ("tax", REASON): "agency",  # not required for this dossier's nominees
        ("labour", REASON): "agency",  # already asked: its answer is recorded instead
        ("bank", REASON): "agency",
    }
    for (agency, reason), field in refusals.items():
        with pytest.raises(ValidationError) as refused:
            hiep_y.consultation_waive(dossier=dossier, agency=agency, reason=reason, actor=head)
        assert field in refused.value.message_dict, agency
    assert not ConsultationWaiver.objects.exists()
    assert "Chưa gửi hiệp y" in _forward_refused(dossier, cast)

    waiver = hiep_y.consultation_waive(dossier=dossier, agency="environment", reason=REASON, actor=head)
    assert waiver.waived_by == cast.board_head
    with pytest.raises(ValidationError) as refused:  # waived: not asked afterwards
        hiep_y.consultation_send(
            dossier=dossier, agency="environment", working_days=5, actor=Actor(cast.board)
        )
    assert "đã miễn hiệp y" in refused.value.message_dict["agency"][0]
    rows = {row["agency"]: row for row in hiep_y.agency_rows(dossier)}
    assert list(rows) == REQUIRED
    assert rows["environment"]["status"] == "waived" and rows["environment"]["settled"]
    assert rows["labour"]["status"] == "agreed"

    engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.FORWARDED
    event = next(e for e in history_for(dossier) if e.verb == "consultation_waive")
    assert event.data == {"waiver": waiver.pk, "agency": "environment", "reason": REASON}
    assert event.actor == cast.board_head
    assert verb_label(Dossier, "consultation_waive") == WAIVE_LABEL

    # the package lists hiệp y, the waiver with who and why
    package = ForwardingPackage.objects.get(dossier=dossier)
    with zipfile.ZipFile(io.BytesIO(package.file.open("rb").read())) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        sheet = archive.read("05-hiep-y.xlsx")
    assert "05-hiep-y.xlsx" in names and "05-hiep-y.xlsx" in {f["name"] for f in manifest["files"]}
    listed = {item["agency"]: item for item in manifest["consultation"]}
    assert list(listed) == REQUIRED
    assert listed["environment"]["status"] == "waived"
    assert listed["environment"]["waiver_reason"] == REASON
    assert listed["environment"]["waived_by"] == full_name(cast.board_head)
    assert listed["labour"]["status_display"] == "Đồng ý" and listed["labour"]["sent_on"]
    from openpyxl import load_workbook

    cells = [
        str(c) for row in load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True) for c in row
    ]
    assert f"{full_name(cast.board_head)}: {REASON}" in cells
    assert "Trưởng Ban miễn hiệp y" in cells


def test_a_silent_required_agency_holds_forwarding_only_until_its_deadline(cast):
    from datetime import timedelta

    from django.utils import timezone

    dossier = _decided(cast)
    _send_and_agree(cast, dossier, REQUIRED[1:])
    request = hiep_y.consultation_send(
        dossier=dossier, agency=REQUIRED[0], working_days=3, actor=Actor(cast.board)
    )
    assert "Cơ quan bảo hiểm xã hội chưa trả lời" in _forward_refused(dossier, cast)
    ConsultationRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    rows = {row["agency"]: row for row in hiep_y.agency_rows(dossier)}
    assert rows["social_insurance"]["status"] == "past_deadline" and rows["social_insurance"]["settled"]
    assert hiep_y.forwarding_refusals(dossier) == []


def test_each_line_is_judged_by_its_own_rule_versions_list(cast):
    dossier = ready_dossier(cast, lines=(("cstd-tq", None),))
    line = dossier.lines.get()
    assert line.rule_version.code == "nd91-2017"  # achievements of 2023
    # the Board's lists differ between versions: the line's recorded version decides, not today's
    RuleVersion.objects.filter(code="nd91-2017").update(
        consultation_agencies={"individual": ["police", "tax"]}
    )
    RuleVersion.objects.exclude(code="nd91-2017").update(consultation_agencies={"individual": ["labour"]})
    assert list(hiep_y.required_agencies(dossier, [line])) == ["tax", "police"]
    refusals = hiep_y.forwarding_refusals(dossier, [line])
    assert refusals and refusals[0].startswith("Chưa gửi hiệp y: Cơ quan thuế, Cơ quan công an (")
    assert "lao động" not in refusals[0]
    # a version that lists none for the kind requires none
    RuleVersion.objects.filter(code="nd91-2017").update(consultation_agencies={"collective": ["tax"]})
    assert hiep_y.required_agencies(dossier, [line]) == {}
    assert hiep_y.forwarding_refusals(dossier, [line]) == []


def test_an_enterprise_needs_its_versions_enterprise_list(cast):
    dossier = ready_dossier(cast, lines=(("cstd-tq", None),))
    line = dossier.lines.get()
    Unit.objects.filter(pk=line.nominee.unit_id).update(kind=UnitKind.ENTERPRISE)
    assert list(hiep_y.required_agencies(dossier, [line])) == ["tax", *REQUIRED]
    # a version without an enterprise list falls back to the nominee's plain kind
    RuleVersion.objects.filter(code="nd91-2017").update(consultation_agencies={"individual": ["labour"]})
    assert list(hiep_y.required_agencies(dossier, [line])) == ["labour"]


def test_api_lists_the_required_agencies_and_the_head_waives_one(cast, api):
    dossier = _decided(cast)
    url = reverse("dossier-consultations", args=[dossier.pk])
    listed = api(cast.auditor).get(url).json()
    assert [row["agency"] for row in listed["required_agencies"]] == REQUIRED
    first = listed["required_agencies"][0]
    assert first["status"] == "not_sent" and first["settled"] is False and first["waiver"] is None
    assert first["rule_versions"] == ["nd91-2017"] and len(first["lines"]) == 2
    assert listed["forwarding_refusals"][0].startswith(f"Chưa gửi hiệp y: {REQUIRED_NAMES}")
    forward_url = reverse("dossier-perform-transition", args=[dossier.pk, "forward"])
    blocked = api(cast.board).post(forward_url, FORWARD, format="json")
    assert blocked.status_code == 409 and "Chưa gửi hiệp y" in blocked.json()["detail"]

    waive_url = reverse("dossier-consultation-waivers", args=[dossier.pk])
    body = {"agency": "environment", "reason": REASON}
    assert api(cast.board).post(waive_url, body, format="json").status_code == 403
    assert api(cast.officer2).post(waive_url, body, format="json").status_code == 404
    empty = api(cast.board_head).post(waive_url, {"agency": "environment", "reason": ""}, format="json")
    assert empty.status_code == 400 and "reason" in empty.json()["errors"]
    not_required = api(cast.board_head).post(waive_url, {"agency": "tax", "reason": REASON}, format="json")
    assert not_required.status_code == 400
    assert "không thuộc các cơ quan phải hiệp y" in not_required.json()["errors"]["agency"][0]
    assert not ConsultationWaiver.objects.exists()
    done = api(cast.board_head).post(waive_url, body, format="json")
    assert done.status_code == 201, done.content
    rows = {row["agency"]: row for row in done.json()["required_agencies"]}
    assert rows["environment"]["status"] == "waived" and rows["environment"]["settled"] is True
    assert rows["environment"]["waiver"]["reason"] == REASON
    assert rows["environment"]["waiver"]["waived_by"] == full_name(cast.board_head)
    assert "Cơ quan tài nguyên và môi trường" not in done.json()["forwarding_refusals"][0]
    again = api(cast.board_head).post(waive_url, body, format="json")
    assert again.status_code == 400

    consult_all(cast, dossier)
    rows = {row["agency"]: row for row in api(cast.board).get(url).json()["required_agencies"]}
    assert rows["labour"]["status"] == "agreed" and rows["labour"]["consultation"]
    assert api(cast.board).post(forward_url, FORWARD, format="json").status_code == 200


def test_pages_show_each_required_agency_and_the_heads_waiver(cast, client):
    dossier = _decided(cast)
    url = reverse("dossiers:consultation", args=[dossier.pk])
    client.force_login(cast.board)
    page = client.get(url).content.decode()
    assert page.count('data-status="not_sent"') == 4 and "Chưa gửi đề nghị hiệp y" in page
    assert f"Chưa gửi hiệp y: {REQUIRED_NAMES}" in page
    assert 'id="waive-form"' not in page  # the head's
    assert (
        client.post(url, {"action": "waive", "w-agency": "environment", "w-reason": REASON}).status_code
        == 403
    )
    detail = client.get(dossier.get_absolute_url()).content.decode()
    assert 'id="consultation-panel"' in detail and detail.count('data-status="not_sent"') == 4

    client.force_login(cast.board_head)
    page = client.get(url).content.decode()
    assert 'id="waive-form"' in page
    refused = client.post(url, {"action": "waive", "w-agency": "environment", "w-reason": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Ghi lý do không cần hiệp y của cơ quan này." in body
    assert '<option value="environment" selected>' in body  # the choice kept
    done = client.post(url, {"action": "waive", "w-agency": "environment", "w-reason": REASON})
    assert done.status_code == 302
    page = client.get(url)
    assert page.context["send_form"].initial["agencies"] == ["social_insurance", "labour", "party_committee"]
    assert "environment" not in dict(page.context["send_form"].fields["agencies"].choices)

    client.force_login(cast.board)
    detail = client.get(dossier.get_absolute_url()).content.decode()
    panel = detail.split('id="consultation-panel"', 1)[1].split("</section>", 1)[0]
    assert 'data-status="waived"' in panel and REASON in panel and full_name(cast.board_head) in panel
    history = client.get(reverse("history", args=["dossiers", "dossier", dossier.pk])).content.decode()
    assert WAIVE_LABEL in history and REASON in history

    # the send form prefilled with the missing agencies sends them all at once
    sent = client.post(
        url,
        {
            "action": "send",
            "s-agencies": ["social_insurance", "labour", "party_committee"],
            "s-working_days": "5",
        },
    )
    assert sent.status_code == 302
    assert set(ConsultationRequest.objects.values_list("agency", flat=True)) == {
        "social_insurance",
        "labour",
        "party_committee",
    }
    none = client.post(url, {"action": "send", "s-working_days": "5"})
    assert none.status_code == 400 and "Chọn ít nhất một cơ quan hiệp y." in none.content.decode()
    page = client.get(url).content.decode()
    assert page.count('data-status="pending"') == 3 and "Chưa gửi hiệp y" not in page


def test_the_board_edits_a_versions_required_agencies_on_the_rules_page(cast, client):
    source = RuleVersion.objects.get(code="nd152-2025")
    client.force_login(cast.board_head)
    client.post(
        reverse("dossiers:rule_version_copy", args=[source.pk]), {"code": "nd-2027", "name": "Bản 2027"}
    )
    copy = RuleVersion.objects.get(code="nd-2027")
    assert copy.consultation_agencies == source.consultation_agencies  # copied with the version
    url = reverse("dossiers:rule_version", args=[copy.pk])
    page = client.get(url).content.decode()
    assert "Cơ quan phải hiệp y (cấp Nhà nước): Doanh nghiệp (tập thể)" in page and "giả định" in page
    form = {
        "name": copy.name,
        "quorum_numerator": "2",
        "quorum_denominator": "3",
        "public_notice_days": "10",
        "legal_basis": "Nghị định | 152/2025/NĐ-CP | 14/06/2025 | x",
        "consult_individual": ["party_committee", "labour"],
        "consult_collective": ["party_committee"],
        "consult_enterprise_individual": ["tax", "party_committee"],
        "consult_enterprise_collective": ["tax", "environment", "bank"],
    }
    refused = client.post(url, form)
    assert refused.status_code == 400 and "bank" in refused.content.decode()
    form["consult_enterprise_collective"] = ["tax", "environment"]
    assert client.post(url, form).status_code == 302
    copy.refresh_from_db()
    assert copy.consultation_agencies == {
        "individual": ["labour", "party_committee"],
        "collective": ["party_committee"],
        "enterprise_individual": ["tax", "party_committee"],
        "enterprise_collective": ["tax", "environment"],
    }
    event = [e for e in history_for(copy) if e.verb == "rule_version_update"][-1]
    before, after = event.data["changes"]["consultation_agencies"]
    assert before == source.consultation_agencies and after == copy.consultation_agencies
    history = client.get(url).content.decode().split("Lịch sử thay đổi", 1)[1]
    assert "Cơ quan phải hiệp y: " in history
    assert "Cá nhân: Cơ quan lao động - thương binh và xã hội, Cấp ủy Đảng" in history
    listed = client.get(f"/api/v1/rule-versions/{source.pk}/").json()
    assert listed["consultation_agencies"]["individual"] == [
        "party_committee",
        "social_insurance",
        "environment",
        "labour",
    ]
