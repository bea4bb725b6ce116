"""Web pages of a unit's own year-end round (dossiers.unit_round): the list and the form opening a round, the round
page (import the Excel list, review every row with its eligibility, submit to the unit's own council, the unit
head's decision), the template and the decision with its annex (PDF). Thin: form → service → redirect or render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from organisations.models import Unit
from workflows import engine
from workflows.http import request_actor
from workflows.pdf import render_pdf
from workflows.policies import may_read_history

from . import unit_round as rounds
from .models import RoundLineState, RoundState
from .policies import editing_unit_ids, may_prepare_for_unit

LINES_PER_PAGE = 100


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    """{field: messages}; errors of no field under "general" (templates cannot read "__all__")."""
    if hasattr(exc, "error_dict"):
        return {
            ("general" if field == "__all__" else field): [str(m) for m in exc.message_dict[field]]
            for field in exc.message_dict
        }
    return {"general": [str(m) for m in exc.messages]}


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request):
    """The rounds the user sees; a unit's officer or head opens one for their unit."""
    units = Unit.objects.filter(pk__in=editing_unit_ids(request.user)).order_by("name")
    values = {"unit": "", "year": str(timezone.localdate().year), "title": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        unit = units.filter(pk=values["unit"]).first() if values["unit"].isdigit() else None
        year = int(values["year"]) if values["year"].isdigit() and len(values["year"]) == 4 else None
        if unit is None:
            errors["unit"] = [_("Chọn đơn vị của mình.")]
        if year is None:
            errors["year"] = [_("Năm thành tích gồm 4 chữ số.")]
        if not errors:
            try:
                created = rounds.round_create(
                    unit=unit, year=year, title=values["title"], actor=request_actor(request)
                )
            except (engine.ActionForbidden, engine.TransitionNotAllowed) as exc:
                errors["general"] = [exc.message]
            except ValidationError as exc:
                errors = _errors_of(exc)
            else:
                messages.success(request, _("Đã mở đợt bình xét «%(title)s».") % {"title": created.title})
                return redirect(created)
    visible = rounds.rounds_visible_to(request.user).order_by("-year", "-created_at")
    page = Paginator(visible, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dossiers/unit_round/list.html",
        {"page": page, "units": units, "values": values, "errors": errors},
        status=400 if errors else 200,
    )


def _round_for(user, pk):
    return get_object_or_404(rounds.rounds_visible_to(user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    """The round page: its lines with their eligibility and council result; the step the user may take now."""
    unit_round = _round_for(request.user, pk)
    errors: dict[str, list[str]] = {}
    row_errors: list[str] = []
    values = {
        "session": "",
        "decision_number": "",
        "decision_date": timezone.localdate().strftime("%d/%m/%Y"),
        "not_awarded": [],
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action:
        actor = request_actor(request)
        values.update(
            {
                key: request.POST.get(key, "").strip()
                for key in ("session", "decision_number", "decision_date")
            }
        )
        values["not_awarded"] = [pk for pk in request.POST.getlist("not_awarded") if pk.isdigit()]
        try:
            if action == "import":
                lines = rounds.round_import(
                    unit_round=unit_round, rows=rounds.read_rows(request.FILES.get("file")), actor=actor
                )
                messages.success(request, _("Đã nhập %(n)s dòng vào đợt bình xét.") % {"n": len(lines)})
            elif action == "submit":
                rounds.round_submit(unit_round=unit_round, session=values["session"] or None, actor=actor)
                messages.success(
                    request, _("Đã trình toàn bộ danh sách ra hội đồng thi đua – khen thưởng của đơn vị.")
                )
            elif action == "decide":
                rounds.round_decide(
                    unit_round=unit_round,
                    decision_number=values["decision_number"],
                    decision_date=values["decision_date"],
                    not_awarded=[int(pk) for pk in values["not_awarded"]],
                    actor=actor,
                )
                messages.success(request, _("Đã ban hành quyết định khen thưởng; sổ vàng đã được cập nhật."))
            else:
                raise Http404
        except rounds.RoundImportRefused as exc:
            # the persons' rows first, then the «Tập thể» sheet's, each named with its sheet and row
            row_errors = [str(m) for m in exc.messages]
            errors["file"] = [_("Tệp có %(n)s lỗi; chưa dòng nào được nhập.") % {"n": len(row_errors)}]
        except (engine.ActionForbidden, engine.TransitionNotAllowed) as exc:
            errors[{"import": "file"}.get(action, action)] = [exc.message]
        except ValidationError as exc:
            found = _errors_of(exc)
            if action == "import":
                errors["file"] = [m for messages_ in found.values() for m in messages_]
            else:
                errors.update(found)
        else:
            return redirect(unit_round)
        unit_round.refresh_from_db()
    lines = unit_round.lines.select_related("nominee", "award").order_by("row_number", "pk")
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    eligibility = rounds.round_eligibility(unit_round) if unit_round.state == RoundState.DRAFT else {}
    checks = {check.name: check for check in engine.available(unit_round, request.user)}
    return render(
        request,
        "dossiers/unit_round/detail.html",
        {
            "round": unit_round,
            "page": page,
            "eligibility": eligibility,
            "summary": rounds.round_summary(unit_round),
            "checks": checks,
            "sessions": rounds.own_council_sessions(unit_round)
            if unit_round.state == RoundState.DRAFT
            else [],
            "passed": unit_round.lines.filter(state=RoundLineState.PASSED)
            .select_related("nominee", "award")
            .order_by("row_number", "pk")
            if unit_round.state == RoundState.VOTED
            else [],
            "values": values,
            "errors": errors,
            "row_errors": row_errors,
            # the unit's officer or head prepares; the Board, auditors and council members only read
            "can_prepare": bool(may_prepare_for_unit(request.user, unit_round.unit)),
            "can_decide": "decide" in checks and checks["decide"].status != 403,
            # the unit's council members read the round their session voted on, not its history (403)
            "can_read_history": may_read_history(request.user, unit_round).allowed,
        },
        status=400 if errors else 200,
    )


@login_required
def round_template(request, pk):
    """The Excel template of the round (the persons' sheet, the «Tập thể» sheet of the unit's collectives, dropdowns,
    a guide sheet)."""
    unit_round = _round_for(request.user, pk)
    response = HttpResponse(
        rounds.template_bytes(unit_round.year, unit_round.unit),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-danh-sach-binh-xet-{unit_round.year}.xlsx"'
    return response


@login_required
def round_decision_pdf(request, pk):
    """QUYẾT ĐỊNH of the unit head with the annex listing every awardee (a draft before the decision)."""
    unit_round = _round_for(request.user, pk)
    if unit_round.state not in (RoundState.VOTED, RoundState.DECIDED):
        raise Http404
    context = rounds.decision_context(unit_round)
    if not context["count"] and unit_round.state == RoundState.DECIDED:
        raise Http404
    if unit_round.state == RoundState.VOTED:  # the draft lists who the council passed
        context = rounds.decision_context(unit_round, draft=True)
    content = render_pdf("dossiers/unit_round/decision.html", context, request=request)
    name = "quyet-dinh" if unit_round.state == RoundState.DECIDED else "du-thao-quyet-dinh"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}-dot-binh-xet-{unit_round.pk}.pdf"'
    return response
