"""Outputs of a decision: the awardees as an Excel sheet; as PDFs laid out per Nghị định 30/2020/NĐ-CP
(workflows/pdf.py), the chairman's decision (quyết định) on the awards the city decides and the city's proposal
letter (tờ trình) to the central level for the state-level awards (AwardRoute.PROPOSE_CENTRAL: decided by the
Prime Minister or the President, so the city cannot decide them, only propose them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.exports import workbook_bytes, xlsx_response
from workflows.models import AuditEvent
from workflows.names import full_name
from workflows.pdf import Signature, decree30_header, issuing_body, render_pdf
from workflows.throttle import limit_exports

from . import selectors
from .models import AwardRoute, Dossier, DossierState, NomineeState
from .rule_versions import citations, line_versions

#: Before the decision the chair reads a draft listing the nominees the council passed.
DRAFT_STATES = (DossierState.POSTED,)
DECIDED_STATES = (DossierState.DECIDED, DossierState.FORWARDED, DossierState.CLOSED)


def is_draft(dossier) -> bool:
    """The chair reads a draft: while the council's results are posted, or straight after the vote when no
    passed nominee's award keeps the posting (AwardType.post_after_vote: the chair may decide then)."""
    if dossier.state in DRAFT_STATES:
        return True
    from .lifecycle import posting_refusal

    return dossier.state == DossierState.VOTED and posting_refusal(dossier) is None


def _awardees(dossier):
    if is_draft(dossier):
        states = (NomineeState.PASSED,)
    elif dossier.state in DECIDED_STATES:
        states = (NomineeState.APPROVED, NomineeState.FORWARDED, NomineeState.CENTRAL_APPROVED)
    else:
        raise Http404
    return list(
        dossier.lines.filter(state__in=states)
        .select_related("nominee", "award")
        .order_by("award__level", "award__name", "position")
    )


@login_required
@limit_exports
def awardees_excel(request, pk):
    dossier = get_object_or_404(selectors.dossiers_visible_to(request.user), pk=pk)
    lines = _awardees(dossier)
    content = workbook_bytes(
        sheet_title="Danh sách khen thưởng",
        heading=[
            f"DANH SÁCH KHEN THƯỞNG KÈM THEO QUYẾT ĐỊNH SỐ {dossier.decision_number or '…'}",
            dossier.title,
        ],
        header=[
            "STT",
            "Họ và tên / tên tập thể",
            "Năm sinh",
            "Chức vụ",
            "Đơn vị",
            "Danh hiệu, hình thức",
            "Cấp quyết định",
            "Kết quả hội đồng",
        ],
        rows=(
            [
                index,
                line.nominee.full_name,
                line.nominee.birth_year or "",
                line.nominee.position,
                line.nominee.sub_unit or dossier.unit.name,
                line.award.name,
                line.award.deciding_authority,
                line.council_explanation,
            ]
            for index, line in enumerate(lines, start=1)
        ),
        widths=(6, 32, 10, 24, 30, 34, 28, 30),
    )
    return xlsx_response(content, f"danh-sach-khen-thuong-{dossier.pk}.xlsx")


#: The register's rows one page or one sheet holds.
REGISTER_LIMIT = 500


def register_rows(request) -> tuple[object, list[dict], str]:
    """The award register as the query string asks (dossiers.forms.RegisterSearchForm): the form, the rows
    the user may read ({"record", "unit": the unit then or its successor today, "linked": whether the user opens
    the person's page, which a unit the person left does not}) and the unit view chosen."""
    from .forms import RegisterSearchForm

    form = RegisterSearchForm(request.GET or None)
    unit_view = selectors.UNIT_THEN
    records = selectors.register_search()
    if form.is_valid():
        data = form.cleaned_data
        unit_view = data.get("unit_view") or selectors.UNIT_THEN
        records = selectors.register_search(
            query=data.get("q") or "",
            unit_id=getattr(data.get("unit"), "pk", None),
            year=data.get("year"),
            award_code=data.get("award") or "",
            unit_view=unit_view,
        )
    records = list(selectors.awards_visible_to(request.user, records)[:REGISTER_LIMIT])
    labels = selectors.unit_labels({record.unit_then_id for record in records}, unit_view)
    readable = set(
        selectors.nominees_visible_to(request.user)
        .filter(pk__in={record.nominee_id for record in records})
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "record": record,
            "unit": labels.get(record.unit_then_id, ""),
            "linked": record.nominee_id in readable,
        }
        for record in records
    ]
    return form, rows, unit_view


@login_required
@limit_exports
def register_excel(request):
    """The award register (sổ vàng) as an Excel sheet, with the same search as the page; the unit column is the
    unit then or its successor today, as chosen."""
    _form, rows, unit_view = register_rows(request)
    unit_heading = (
        "Đơn vị kế thừa hiện nay" if unit_view == selectors.UNIT_SUCCESSOR else "Đơn vị lúc được khen"
    )
    content = workbook_bytes(
        sheet_title="Sổ vàng khen thưởng",
        heading=[
            "SỔ VÀNG KHEN THƯỞNG",
            "Theo đơn vị kế thừa hiện nay" if unit_view == selectors.UNIT_SUCCESSOR else "Theo đơn vị lúc đó",
        ],
        header=[
            "STT",
            "Năm",
            "Họ và tên / tên tập thể",
            unit_heading,
            "Đơn vị công tác hiện nay",
            "Danh hiệu, hình thức",
            "Số quyết định",
            "Ngày quyết định",
            "Cấp quyết định",
            "Nguồn",
        ],
        rows=(
            [
                index,
                row["record"].year,
                row["record"].nominee.full_name,
                row["unit"],
                row["record"].nominee.unit.name,
                row["record"].award.name,
                row["record"].decision_number,
                row["record"].decision_date.strftime("%d/%m/%Y"),
                row["record"].authority,
                row["record"].get_source_display(),
            ]
            for index, row in enumerate(rows, start=1)
        ),
        widths=(6, 8, 32, 32, 32, 34, 18, 14, 28, 24),
    )
    return xlsx_response(content, "so-vang-khen-thuong.xlsx")


def pdf_documents(dossier) -> list[dict]:
    """The PDFs the dossier's pages offer, as {"url", "label"}: the decision for the awards the city decides,
    the tờ trình for the state-level ones (each a draft until numbered); none before the council's results
    are posted."""
    if dossier.state not in DECIDED_STATES and not is_draft(dossier):
        return []
    routes = {line.award.route for line in _awardees(dossier)}
    documents = []
    if routes - {AwardRoute.PROPOSE_CENTRAL}:
        label = (
            _("Quyết định khen thưởng (PDF)") if dossier.decision_number else _("Dự thảo quyết định (PDF)")
        )
        documents.append({"url": reverse("dossiers:decision_pdf", args=[dossier.pk]), "label": label})
    if AwardRoute.PROPOSE_CENTRAL in routes:
        label = (
            _("Tờ trình Trung ương (PDF)")
            if dossier.central_submission_number
            else _("Dự thảo tờ trình Trung ương (PDF)")
        )
        documents.append({"url": reverse("dossiers:proposal_pdf", args=[dossier.pk]), "label": label})
    return documents


def _signature(dossier, *, on_behalf_of_committee: bool) -> Signature:
    """Who signs: the chairman who decided, in their own right ("CHỦ TỊCH"), or a vice-chairman signing for
    the chairman under a delegation ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"); the name is left blank before the
    decision. A tờ trình is the committee's, so its block starts with "TM. ỦY BAN NHÂN DÂN"."""
    committee = (f"TM. {issuing_body().superior.upper()}",) if on_behalf_of_committee else ()
    event = None
    if not is_draft(dossier):
        event = (
            AuditEvent.objects.filter(
                subject_type=ContentType.objects.get_for_model(Dossier),
                subject_id=str(dossier.pk),
                verb="decide",
            )
            .select_related("actor")
            .order_by("-id")
            .first()
        )
    name = full_name(event.actor) if event else ""
    if event is not None and event.on_behalf_of_id is not None:
        return Signature(forms=(*committee, "KT. CHỦ TỊCH"), title="PHÓ CHỦ TỊCH", name=name)
    return Signature(forms=committee, title="CHỦ TỊCH", name=name)


def _document_context(dossier, lines) -> dict:
    body = issuing_body()
    return {
        "dossier": dossier,
        "lines": lines,
        "body": body,
        "board": f"Ban Thi đua - Khen thưởng {body.name}",
        # the "Căn cứ" lines: the legal basis of the rule version the lines are judged by
        "basis": citations(line_versions(dossier, lines)),
    }


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@limit_exports
def decision_pdf(request, pk):
    """QUYẾT ĐỊNH Về việc khen thưởng: the awards the city chairman decides (a draft while posted)."""
    dossier = get_object_or_404(selectors.dossiers_visible_to(request.user), pk=pk)
    lines = [line for line in _awardees(dossier) if line.award.route != AwardRoute.PROPOSE_CENTRAL]
    if not lines:
        raise Http404
    draft = is_draft(dossier)
    day = dossier.decision_date or timezone.localdate()
    body = issuing_body()
    content = render_pdf(
        "dossiers/decision_draft.html",
        {
            **_document_context(dossier, lines),
            "is_draft": draft,
            "header": decree30_header(day=day, number=dossier.decision_number, blank_number="/QĐ-UBND"),
            "authority": f"Chủ tịch {body.full_name}",
            "recipients": ["Như Điều 3", f"Chủ tịch, các Phó Chủ tịch {body.full_name}", "Lưu: VT"],
            "signature": _signature(dossier, on_behalf_of_committee=False),
        },
        request=request,
    )
    name = "du-thao-quyet-dinh" if draft else "quyet-dinh"
    return _pdf_response(content, f"{name}-{dossier.pk}.pdf")


@login_required
@limit_exports
def proposal_pdf(request, pk):
    """TỜ TRÌNH Về việc đề nghị khen thưởng: the state-level awards the city proposes to the central level
    (Thủ tướng Chính phủ, Chủ tịch nước); a draft until the Board records the submission's number."""
    dossier = get_object_or_404(selectors.dossiers_visible_to(request.user), pk=pk)
    content = proposal_pdf_bytes(dossier, request=request)
    if content is None:
        raise Http404
    name = "du-thao-to-trinh" if not dossier.central_submission_number else "to-trinh"
    return _pdf_response(content, f"{name}-{dossier.pk}.pdf")


def proposal_pdf_bytes(dossier, *, request=None) -> bytes | None:
    """The tờ trình as PDF bytes (None when the dossier proposes nothing to the central level): the page above
    and the package forwarded to the central level (dossiers.forwarding) render the same document."""
    lines = [line for line in _awardees(dossier) if line.award.route == AwardRoute.PROPOSE_CENTRAL]
    if not lines:
        return None
    draft = not dossier.central_submission_number
    day = dossier.central_submission_date or timezone.localdate()
    awards = list(dict.fromkeys(line.award.name for line in lines))
    content = render_pdf(
        "dossiers/proposal_draft.html",
        {
            **_document_context(dossier, lines),
            "is_draft": draft,
            "header": decree30_header(
                day=day, number=dossier.central_submission_number, blank_number="/TTr-UBND"
            ),
            "awards": awards,
            # A province proposes to the Prime Minister through the Ministry of Home Affairs (Ban TĐKT Trung
            # ương), also for the President's awards, which the Prime Minister puts to the President.
            "addressees": ["Thủ tướng Chính phủ", "Bộ Nội vụ (Ban Thi đua - Khen thưởng Trung ương)"],
            "to_president": any(line.award.deciding_authority == "Chủ tịch nước" for line in lines),
            "recipients": ["Như trên", f"Hội đồng Thi đua - Khen thưởng {issuing_body().name}", "Lưu: VT"],
            "signature": _signature(dossier, on_behalf_of_committee=True),
        },
        request=request,
    )
    return content
