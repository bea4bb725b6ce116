"""Outputs of a decision: the awardees as an Excel sheet, and the decision draft as a PDF laid out per
Nghị định 30/2020/NĐ-CP (administrative documents: national title block, number, place and date, signature)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone

from workflows.exports import workbook_bytes, xlsx_response
from workflows.throttle import limit_exports

from . import selectors
from .models import AwardRoute, DossierState, NomineeState

#: Before the decision the chair reads a draft listing the nominees the council passed.
DRAFT_STATES = (DossierState.POSTED,)
DECIDED_STATES = (DossierState.DECIDED, DossierState.FORWARDED, DossierState.CLOSED)


def _awardees(dossier):
    if dossier.state in DRAFT_STATES:
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


@login_required
@limit_exports
def decision_pdf(request, pk):
    from weasyprint import HTML

    dossier = get_object_or_404(selectors.dossiers_visible_to(request.user), pk=pk)
    lines = _awardees(dossier)
    groups: dict[str, list] = {}
    for line in lines:
        groups.setdefault(line.award.name, []).append(line)
    day = dossier.decision_date or timezone.localdate()
    html = render_to_string(
        "dossiers/decision_draft.html",
        {
            "dossier": dossier,
            "groups": groups,
            "day": day,
            "is_draft": dossier.state in DRAFT_STATES,
            "city_lines": [line for line in lines if line.award.route != AwardRoute.PROPOSE_CENTRAL],
            "central_lines": [line for line in lines if line.award.route == AwardRoute.PROPOSE_CENTRAL],
        },
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="du-thao-quyet-dinh-{dossier.pk}.pdf"'
    return response
