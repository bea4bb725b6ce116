"""Web pages: the unit's dossier wizard, the Board's queues and appraisal, the chair's decision, the public
posting page and the award register. Thin: form → service or engine → redirect or render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organisations.models import Unit
from workflows import engine, throttle
from workflows.api import client_ip
from workflows.http import request_actor
from workflows.names import full_name
from workflows.policies import (
    PolicyDenied,
    decide_many,
    may_act_for_board,
    may_read_everything,
    may_read_history,
    readable_unit_ids,
)
from workflows.uploads import pdf_download

from . import appraisal, policies, selectors, services
from .eligibility import evaluate
from .exports import pdf_documents
from .forms import (
    AssignOfficerForm,
    DossierFilterForm,
    DossierForm,
    LineEditForm,
    LineForm,
    PublicCommentForm,
    UploadForm,
)
from .integrity import holds_in_force
from .lifecycle import DossierLifecycle, decision_date_refusal
from .models import DossierDocument, DossierNominee, DossierState, NomineeState
from .models.dossier import EDITABLE_STATES
from .rule_versions import citations


def _errors_into(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, keeping what the user typed."""
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _dossier_for(user, pk):
    """The dossier if the user may see it; another unit's dossier is simply not found."""
    return get_object_or_404(selectors.dossiers_visible_to(user), pk=pk)


def _actions(obj, user, *, skip=()):
    return [check for check in engine.available(obj, user) if check.allowed and check.name not in skip]


PAGE_SIZES = ("25", "50", "100")


@login_required
def dossier_list(request):
    """The dossiers the user may see, searched (nominee, title, number) and filtered by unit, award, year and
    state; a filter value that is not valid is shown as an error next to its field and left out."""
    own_units = Unit.objects.filter(pk__in=selectors.unit_ids_of(request.user))
    filter_units = Unit.objects.all() if readable_unit_ids(request.user) is None else own_units
    form = DossierFilterForm(request.GET or None, units=filter_units)
    filters = form.filters()
    dossiers = selectors.dossier_search(selectors.dossiers_visible_to(request.user), **filters)
    per_page = request.GET.get("per_page", "50")
    per_page = int(per_page) if per_page in PAGE_SIZES else 50
    page = Paginator(dossiers.order_by("-created_at", "-pk"), per_page).get_page(request.GET.get("page"))
    kept = {name: value for name in form.fields if name not in form.errors and (value := form.data.get(name))}
    return render(
        request,
        "dossiers/dossier_list.html",
        {
            "dossiers": page.object_list,
            "page": page,
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "filter_form": form,
            "filtered": any(filters.values()),
            "query_string": urlencode({**kept, "per_page": per_page}),
            "can_create": own_units.exists(),
            "is_board": policies.may_open_board_queues(request.user).allowed,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request):
    decision = policies.may_create_dossier(request.user)
    if not decision:
        raise PolicyDenied(decision.reason)
    units = Unit.objects.filter(pk__in=selectors.unit_ids_of(request.user))
    form = DossierForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(
                user=request.user, client_ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Đã tạo hồ sơ. Hãy thêm đối tượng và tài liệu."))
            return redirect(dossier)
    return render(request, "dossiers/dossier_form.html", {"form": form}, status=400 if form.errors else 200)


def _line_rows(dossier, user):
    documents = services.current_documents(dossier)
    # the public's comments: once posted for everyone who sees the dossier, before that the Board's reading
    comments_shown = dossier.state in (DossierState.POSTED, DossierState.DECIDED) or bool(
        may_read_everything(user)
    )
    rows = []
    for line in dossier.lines.select_related("nominee", "award", "rule_version"):
        outcomes = evaluate(line.nominee, line.award, dossier.year, line)
        rows.append(
            {
                "line": line,
                # the rules the line is judged by and their legal basis (dossiers.rule_versions)
                "basis": citations([line.rule_version]),
                "outcomes": outcomes,
                "blocking": [o for o in outcomes if o.blocking],
                "warnings": [o for o in outcomes if o.warning],
                "documents": [doc for (line_id, _kind), doc in documents.items() if line_id == line.pk],
                "actions": _actions(line, user),
                "comments": list(line.comments.all()) if comments_shown else [],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def dossier_detail(request, pk):
    dossier = _dossier_for(request.user, pk)
    may = decide_many(request.user, dossier, policies.may_assign_officer, may_act_for_board)
    editable = dossier.state in EDITABLE_STATES and bool(
        policies.may_prepare_for_unit(request.user, dossier.unit)
    )
    line_form = LineForm(dossier=dossier, prefix="line")
    upload_form = UploadForm(dossier=dossier, prefix="upload")
    assigned = policies.assigned_officer(dossier) if may["act_for_board"] else None  # the Board reads who
    assign_form = AssignOfficerForm(prefix="assign", initial={"officer": assigned})
    if request.method == "POST" and "assign" in request.POST:
        if not may["assign_officer"]:
            raise PolicyDenied(may["assign_officer"].reason)
        assign_form = AssignOfficerForm(request.POST, prefix="assign")
        if assign_form.is_valid() and _assign(request, dossier, assign_form):
            return redirect(dossier)
    elif request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Hồ sơ này không sửa được."))
        if "add_line" in request.POST:
            line_form = LineForm(request.POST, dossier=dossier, prefix="line")
            if line_form.is_valid() and _add_line(request, dossier, line_form):
                return redirect(dossier)
        elif "upload" in request.POST:
            upload_form = UploadForm(request.POST, request.FILES, dossier=dossier, prefix="upload")
            if upload_form.is_valid():
                try:
                    services.document_upload(
                        dossier=dossier,
                        user=request.user,
                        client_ip=client_ip(request),
                        kind=upload_form.cleaned_data["kind"],
                        line=upload_form.cleaned_data["line"],
                        upload=upload_form.cleaned_data["file"],
                    )
                except ValidationError as exc:
                    _errors_into(upload_form, exc)
                else:
                    messages.success(request, _("Đã tải lên tài liệu."))
                    return redirect(dossier)
    documents = services.current_documents(dossier)
    context = {
        "dossier": dossier,
        "rows": _line_rows(dossier, request.user),
        "editable": editable,
        "line_form": line_form,
        "upload_form": upload_form,
        "dossier_documents": [doc for (line_id, _kind), doc in documents.items() if line_id is None],
        "missing": services.missing_documents(dossier) if dossier.state in EDITABLE_STATES else [],
        "actions": _actions(dossier, request.user),
        "returns": selectors.dossier_returns(dossier),
        "can_read_history": may_read_history(request.user, dossier).allowed,
        "can_read_changes": may_read_history(request.user).allowed,
        "is_board": policies.may_appraise_dossier(request.user, dossier).allowed,
        "may": may,
        "assign_form": assign_form,
        "assigned_officer": assigned,
        "today": timezone.localdate(),
        "pdf_documents": pdf_documents(dossier),
        "consultation_rows": _consultation_rows(request.user, dossier),
    }
    failed = line_form.errors or upload_form.errors or assign_form.errors
    return render(request, "dossiers/dossier_detail.html", context, status=400 if failed else 200)


def _consultation_rows(user, dossier) -> list[dict] | None:
    """The hiệp y panel (required agencies and where each stands, waivers with who and why) for those who read
    the central steps, on a submitted dossier with state-level lines; None: no panel."""
    from . import consultation

    if dossier.state in EDITABLE_STATES or not policies.may_read_central_steps(user, dossier):
        return None
    lines = consultation.panel_lines(dossier)
    return consultation.agency_rows(dossier, lines) if lines else None


def _assign(request, dossier, form) -> bool:
    """The Board head gives the dossier to a Board officer (or takes it back); a refusal goes next to the field."""
    officer = form.cleaned_data["officer"]
    try:
        services.dossier_assign_officer(dossier, officer, actor=request_actor(request))
    except ValidationError as exc:
        _errors_into(form, exc)
        return False
    if officer is None:
        messages.success(request, _("Đã thôi giao hồ sơ; mọi chuyên viên Ban TĐKT đều xử lý được."))
    else:
        messages.success(request, _("Đã giao hồ sơ cho %(name)s xử lý.") % {"name": full_name(officer)})
    return True


def _add_line(request, dossier, form) -> bool:
    data = form.cleaned_data
    collective = {key: data.get(key) for key in services.COLLECTIVE_FIELDS}
    try:
        with transaction.atomic():
            nominee = data["nominee"]
            if nominee is None:
                nominee = services.nominee_create(
                    unit=dossier.unit,
                    user=request.user,
                    client_ip=client_ip(request),
                    kind=data["kind"],
                    full_name=data["full_name"],
                    birth_year=data.get("birth_year"),
                    date_of_birth=data.get("date_of_birth"),
                    cccd=data.get("cccd") or "",
                    gender=data.get("gender") or "",
                    position=data.get("position") or "",
                    sub_unit=data.get("sub_unit") or "",
                )
            services.line_add(
                dossier=dossier,
                nominee=nominee,
                award=data["award"],
                achievement_report=data["achievement_report"],
                user=request.user,
                client_ip=client_ip(request),
                **collective,
            )
    except ValidationError as exc:
        _errors_into(form, exc)
        return False
    messages.success(request, _("Đã thêm đối tượng vào hồ sơ."))
    return True


@login_required
@require_http_methods(["GET", "POST"])
def line_edit(request, pk):
    line = get_object_or_404(selectors.lines_visible_to(request.user), pk=pk)
    initial = {
        "award": line.award,
        "achievement_report": line.achievement_report,
        **{key: getattr(line, key) for key in services.COLLECTIVE_FIELDS},
    }
    form = LineEditForm(request.POST or None, initial=initial, dossier=line.dossier)
    if request.method == "POST" and form.is_valid():
        try:
            services.line_update(
                line=line, user=request.user, client_ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(line.dossier)
    return render(
        request, "dossiers/line_form.html", {"form": form, "line": line}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def line_remove(request, pk):
    line = get_object_or_404(selectors.lines_visible_to(request.user), pk=pk)
    dossier = line.dossier
    try:
        services.line_remove(line=line, user=request.user, client_ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã bớt đối tượng khỏi hồ sơ."))
    return redirect(dossier)


@login_required
def document_download(request, pk):
    document = get_object_or_404(DossierDocument, pk=pk)
    _dossier_for(request.user, document.dossier_id)
    return pdf_download(document.file.open("rb"), document.original_name)


@login_required
@require_http_methods(["GET", "POST"])
def dossier_return(request, pk):
    """The Board's return screen: a reason per nominee and for the dossier, and a working-day deadline."""
    dossier = _dossier_for(request.user, pk)
    lines = list(dossier.lines.select_related("nominee", "award"))
    values = {"items": "", "comment": "", "working_days": "10"}
    errors = []
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        items = [line.strip() for line in values["items"].splitlines() if line.strip()]
        for line in lines:
            reason = request.POST.get(f"line_{line.pk}", "").strip()
            values[f"line_{line.pk}"] = reason
            if reason:
                items.append(f"{line.nominee.full_name} – {line.award.name}: {reason}")
        try:
            engine.perform(
                dossier,
                "return_for_supplement",
                user=request.user,
                client_ip=client_ip(request),
                data={
                    "comment": values["comment"],
                    "items": "\n".join(items),
                    "working_days": values["working_days"],
                },
            )
        except (engine.TransitionNotAllowed, engine.ActionForbidden) as exc:
            errors.append(exc.message)
        except ValidationError as exc:
            errors += [f"{message}" for messages_ in exc.message_dict.values() for message in messages_]
        else:
            messages.success(request, _("Đã trả lại hồ sơ để bổ sung."))
            return redirect(dossier)
    rows = [{"line": line, "value": values.get(f"line_{line.pk}", "")} for line in lines]
    return render(
        request,
        "dossiers/dossier_return.html",
        {"dossier": dossier, "rows": rows, "values": values, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_appraise(request, pk):
    """The Board's appraisal screen: eligibility, documents and an opinion per nominee (propose or not)."""
    dossier = _dossier_for(request.user, pk)
    decision = policies.may_appraise_dossier(request.user, dossier)
    if not decision:
        raise PolicyDenied(decision.reason)
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        line = get_object_or_404(dossier.lines.all(), pk=request.POST.get("line"))
        verdict = "propose" if request.POST.get("verdict") == "propose" else "not_propose"
        opinion = request.POST.get("opinion", "")
        try:
            appraisal.appraise(
                line,
                verdict,
                user=request.user,
                data={"comment": opinion},
                expected_version=request.POST.get("version"),  # the form always carries it
                client_ip=client_ip(request),
            )
        except appraisal.StaleAppraisal as exc:
            errors[line.pk], values[line.pk], status = [exc.message], opinion, 409
        except (engine.TransitionNotAllowed, engine.ActionForbidden) as exc:
            errors[line.pk], values[line.pk], status = [exc.message], opinion, 400
        except ValidationError as exc:
            errors[line.pk], values[line.pk], status = exc.messages, opinion, 400
        else:
            messages.success(
                request, _("Đã ghi ý kiến thẩm định cho %(name)s.") % {"name": line.nominee.full_name}
            )
            return redirect("dossiers:appraise", pk=dossier.pk)
    rows = _line_rows(dossier, request.user)
    line_versions = appraisal.versions(row["line"] for row in rows)
    for row in rows:
        row["error"] = errors.get(row["line"].pk, [])
        row["value"] = values.get(row["line"].pk, "")
        row["version"] = line_versions[row["line"].pk]
    return render(
        request,
        "dossiers/dossier_appraise.html",
        {
            "dossier": dossier,
            "rows": rows,
            "actions": _actions(dossier, request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_decide(request, pk):
    """The chair's decision screen: every nominee the council passed, approve or reject, in one action."""
    dossier = _dossier_for(request.user, pk)
    lines = list(dossier.lines.select_related("nominee", "award").prefetch_related("comments"))
    values = {
        "decision_number": "",
        "decision_date": timezone.localdate().strftime("%d/%m/%Y"),
        "comment": "",
    }
    choices = {line.pk: "approve" for line in lines if line.state == NomineeState.PASSED}
    errors, field_errors = [], {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        choices = {pk: request.POST.get(f"line_{pk}", "") for pk in choices}
        data = {
            **values,
            "approved": ",".join(str(pk) for pk, choice in choices.items() if choice == "approve"),
            "rejected": ",".join(str(pk) for pk, choice in choices.items() if choice == "reject"),
        }
        # a date within the posting period is shown next to the field, as typed
        field_errors = _decision_date_errors(dossier, values["decision_date"])
        if field_errors:
            pass
        elif request.POST.get("confirmed") != "1":
            # deciding is irreversible: a complete, valid decision first shows what it does ("Sửa lại" comes back)
            confirm = _decide_confirmation(request, dossier, lines, choices, data)
            if isinstance(confirm, list):
                errors = confirm
            elif confirm is not None:
                return confirm
        else:
            try:
                engine.perform(dossier, "decide", user=request.user, client_ip=client_ip(request), data=data)
            except (engine.TransitionNotAllowed, engine.ActionForbidden) as exc:
                errors.append(exc.message)
            except ValidationError as exc:
                by_field = exc.message_dict
                field_errors = {key: value for key, value in by_field.items() if key == "decision_date"}
                errors += [m for key, found in by_field.items() if key not in field_errors for m in found]
            else:
                messages.success(request, _("Đã ban hành quyết định khen thưởng."))
                return redirect(dossier)
    verdict = engine.check(DossierLifecycle(dossier), "decide", request.user)
    return render(
        request,
        "dossiers/dossier_decide.html",
        {
            "dossier": dossier,
            "lines": lines,
            "choices": choices,
            "values": values,
            "errors": errors,
            "field_errors": field_errors,
            "verdict": verdict,
            "pdf_documents": pdf_documents(dossier),
        },
        status=400 if errors or field_errors else 200,
    )


def _decision_date_errors(dossier, typed: str) -> dict:
    """{"decision_date": [why]} when the typed day is not a date, or falls within the public posting period
    (DossierLifecycle.decide refuses it too); {} otherwise."""
    from workflows.forms import DateField

    try:
        day = DateField().clean(typed)
    except ValidationError as exc:
        return {"decision_date": exc.messages}
    refusal = decision_date_refusal(dossier, day)
    return {"decision_date": [refusal]} if refusal else {}


def _decide_confirmation(request, dossier, lines, choices: dict, data: dict):
    """The confirmation page of a decision (a response), the reasons it cannot be confirmed yet (a list shown on
    the form), or None to show the form again ("Sửa lại")."""
    if "edit" in request.POST:
        return None
    verdict = engine.check(DossierLifecycle(dossier), "decide", request.user)
    if not verdict.allowed:
        return [verdict.reason]
    form = DossierLifecycle.form_class("decide")(data=data)
    if not form.is_valid():
        return [message for messages_ in form.errors.values() for message in messages_]
    if any(choice not in ("approve", "reject") for choice in choices.values()):
        return [_("Mỗi đối tượng được hội đồng thông qua phải được chọn khen hoặc không khen.")]
    by_pk = {line.pk: line for line in lines}
    return render(
        request,
        "dossiers/dossier_decide_confirm.html",
        {
            "dossier": dossier,
            "approved": [by_pk[pk] for pk, choice in choices.items() if choice == "approve"],
            "rejected": [by_pk[pk] for pk, choice in choices.items() if choice == "reject"],
            "decision_number": form.cleaned_data["decision_number"],
            "decision_date": form.cleaned_data["decision_date"],
            "hidden": [
                *[(key, data[key]) for key in ("decision_number", "decision_date", "comment")],
                *[(f"line_{pk}", choice) for pk, choice in choices.items()],
            ],
        },
    )


@login_required
def dossier_changes(request, pk):
    """The Board's view of a dossier's record: document versions and what changed between submissions."""
    dossier = _dossier_for(request.user, pk)
    if not may_read_history(request.user):
        raise PolicyDenied(_("Chỉ Ban TĐKT, kiểm tra viên và Chủ tịch UBND được xem lịch sử."))
    submissions = list(dossier.submissions.all())
    rounds = []
    for index, submission in enumerate(submissions):
        previous = submissions[index - 1].snapshot if index else {}
        rounds.append(
            {
                "submission": submission,
                "changes": services.submission_changes(previous, submission.snapshot) if index else [],
            }
        )
    return render(
        request,
        "dossiers/dossier_changes.html",
        {
            "dossier": dossier,
            "rounds": rounds,
            "documents": dossier.documents.select_related("line__nominee", "uploaded_by").order_by(
                "line_id", "kind", "version"
            ),
            "lines": dossier.lines.select_related("nominee", "award"),
        },
    )


#: Rows per page of the overdue list; the intake queue beside it shows its oldest rows, with the total.
OVERDUE_PAGE_SIZE = 50


@login_required
def overdue(request):
    """The Board's intake queue and overdue steps, 50 a page (?page= out of range or not a number: the nearest
    page, never an error)."""
    if not may_read_everything(request.user):
        raise PolicyDenied(_("Chỉ Ban TĐKT, kiểm tra viên và Chủ tịch UBND xem danh sách quá hạn."))
    today = timezone.localdate()
    page = Paginator(selectors.overdue_dossiers(today), OVERDUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dossiers/overdue.html",
        {
            "dossiers": page.object_list,
            "page": page,
            "intake": selectors.intake_queue()[:OVERDUE_PAGE_SIZE],
            "intake_count": selectors.intake_queue().count(),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def public_posting(request):
    """The public page (no login): nominees under comment, and a form to send a comment on each."""
    lines = list(selectors.posted_lines())
    forms_by_line = {line.pk: PublicCommentForm(prefix=f"c{line.pk}") for line in lines}
    status = 200
    if request.method == "POST":
        line = next((line for line in lines if str(line.pk) == request.POST.get("line")), None)
        if line is None:
            raise Http404
        form = PublicCommentForm(request.POST, prefix=f"c{line.pk}")
        forms_by_line[line.pk] = form
        status = 400
        if form.is_valid():
            try:
                services.public_comment_add(line=line, client_ip=client_ip(request), **form.cleaned_data)
            except ValidationError as exc:
                _errors_into(form, exc)
            except throttle.RateLimited as refused:
                form.add_error(None, refused.message)
                status, retry_after = 429, refused.retry_after
            else:
                messages.success(request, _("Cảm ơn ông/bà đã góp ý. Ý kiến đã được ghi nhận."))
                return redirect("dossiers:public")
    response = render(
        request,
        "dossiers/public_posting.html",
        {"rows": [{"line": line, "form": forms_by_line[line.pk]} for line in lines]},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
def register(request):
    """The award register: search by person, unit, year and award; the unit shown is the one the person worked
    at when awarded, or its successor today (dossiers.exports.register_rows, the Excel export's rows too)."""
    from .exports import register_rows

    form, rows, unit_view = register_rows(request)
    return render(
        request,
        "dossiers/register.html",
        {"form": form, "rows": rows, "unit_view": unit_view, "query": request.GET.urlencode()},
    )


@login_required
def nominee_detail(request, pk):
    nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=pk)
    return _nominee_page(request, nominee)


def _nominee_page(
    request,
    nominee,
    *,
    forms=None,
    import_form=None,
    import_errors=(),
    hold_form=None,
    transfer_form=None,
    status=200,
):
    """The nominee page: history with each record's confirmation, the proposals and the rules that wait on a
    confirmation; the unit's declare forms and Excel import; the Board's confirm / reject buttons."""
    from .history_forms import DECLARE_FORMS, HistoryImportForm, RecordReviewForm

    can_declare = policies.may_prepare_for_unit(request.user, nominee.unit).allowed
    forms = forms or {}
    if can_declare:
        forms = {
            kind: forms.get(kind) or form_class(nominee=nominee)
            for kind, form_class in DECLARE_FORMS.items()
            if kind != "rating" or nominee.kind == "individual"
        }
    lines = []
    for line in DossierNominee.objects.filter(nominee=nominee).select_related("dossier", "award"):
        outcomes = evaluate(nominee, line.award, line.dossier.year, line)
        lines.append({"line": line, "pending": [o for o in outcomes if o.pending]})
    context = {
        "nominee": nominee,
        "records": nominee.award_records.select_related("award", "declared_by", "reviewed_by"),
        "ratings": nominee.ratings.select_related("declared_by", "reviewed_by"),
        "initiatives": nominee.initiatives.select_related("declared_by", "reviewed_by"),
        "lines": lines,
        "can_declare": can_declare,
        "can_review": policies.may_review_declared_history(request.user).allowed,
        "declare_forms": forms,
        "import_form": import_form or (HistoryImportForm() if can_declare else None),
        "import_errors": import_errors,
        "review_form": RecordReviewForm(),
        # the holds in force today (the Board's dated records, services.hold_create): the Board reads them in
        # full; whoever else sees the nominee reads only that the nominee is on hold
        "holds_in_force": holds_in_force([nominee.pk]).get(nominee.pk, []),
    }
    if policies.may_manage_holds(request.user, nominee).allowed:
        from .forms import HoldForm, HoldLiftForm

        today = timezone.localdate()
        context.update(
            can_manage_holds=True,
            holds=[
                {"hold": hold, "in_force": hold.in_force(today)}
                for hold in nominee.holds.select_related("created_by", "lifted_by")
            ],
            hold_form=hold_form or HoldForm(prefix="hold"),
            lift_form=HoldLiftForm(prefix="lift"),
        )
    from .transfers import employments_of

    context["employments"] = employments_of(nominee)
    if nominee.kind == "individual" and policies.may_transfer_nominee(request.user, nominee).allowed:
        from .forms import TransferForm

        context["transfer_form"] = transfer_form or TransferForm(prefix="transfer")
    return render(request, "dossiers/nominee_detail.html", context, status=status)


@login_required
@require_POST
def nominee_transfer(request, pk):
    """The Board records the person's transfer to another unit (Chuyển công tác); audited. Refused while the
    person is on an open line of a dossier (the message names it), the form keeping what was typed."""
    from . import transfers
    from .forms import TransferForm

    nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=pk)
    decision = policies.may_transfer_nominee(request.user, nominee)
    if not decision:
        raise PolicyDenied(decision.reason)
    form = TransferForm(request.POST, prefix="transfer")
    if form.is_valid():
        data = form.cleaned_data
        try:
            transfers.nominee_transfer(
                nominee=nominee,
                to_unit=data["to_unit"],
                on=data["on"],
                legal_act=data["legal_act"],
                note=data["note"],
                position=data["position"],
                sub_unit=data["sub_unit"],
                actor=request_actor(request),
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request,
                _("Đã ghi chuyển công tác sang «%(unit)s».") % {"unit": data["to_unit"]},
            )
            return redirect("dossiers:nominee", pk=nominee.pk)
    return _nominee_page(request, nominee, transfer_form=form, status=400)


@login_required
@require_POST
def nominee_hold_add(request, pk):
    """The Board records a hold (discipline, inspection, complaint, press) on the nominee; audited."""
    from .forms import HoldForm

    nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=pk)
    decision = policies.may_manage_holds(request.user, nominee)
    if not decision:
        raise PolicyDenied(decision.reason)
    form = HoldForm(request.POST, prefix="hold")
    if form.is_valid():
        try:
            services.hold_create(nominee=nominee, actor=request_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Đã ghi tạm dừng xét khen thưởng."))
            return redirect("dossiers:nominee", pk=nominee.pk)
    return _nominee_page(request, nominee, hold_form=form, status=400)


@login_required
@require_POST
def nominee_hold_lift(request, pk):
    """The Board lifts a hold, saying why; audited."""
    from .forms import HoldLiftForm
    from .models import NomineeHold

    hold = get_object_or_404(
        NomineeHold.objects.filter(nominee__in=selectors.nominees_visible_to(request.user)), pk=pk
    )
    decision = policies.may_manage_holds(request.user, hold.nominee)
    if not decision:
        raise PolicyDenied(decision.reason)
    form = HoldLiftForm(request.POST, prefix="lift")
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("note") or _("Ghi lý do gỡ tạm dừng xét khen thưởng."))
        services.hold_lift(hold=hold, note=form.cleaned_data["note"], actor=request_actor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _nominee_page(request, hold.nominee, status=400)
    messages.success(request, _("Đã gỡ tạm dừng xét khen thưởng."))
    return redirect("dossiers:nominee", pk=hold.nominee_id)


@login_required
@require_POST
def nominee_declare(request, pk, kind):
    """The nominee's unit declares one past title, rating or initiative; it waits for the Board."""
    from .history_forms import DECLARE_FORMS

    nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=pk)
    if kind not in DECLARE_FORMS:
        raise Http404
    form = DECLARE_FORMS[kind](request.POST, nominee=nominee)
    if form.is_valid():
        try:
            services.record_declare(
                nominee=nominee,
                kind=kind,
                fields=form.cleaned_data,
                actor=request_actor(request),
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Đã khai báo; bản ghi chờ Ban TĐKT xác nhận."))
            return redirect("dossiers:nominee", pk=nominee.pk)
    return _nominee_page(request, nominee, forms={kind: form}, status=400)


@login_required
def nominee_history_template(request, pk):
    from workflows.exports import xlsx_response

    from . import history_import

    nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=pk)
    return xlsx_response(history_import.template_bytes(nominee), "mau-qua-trinh-khen-thuong.xlsx")


@login_required
@require_POST
def nominee_history_import(request, pk):
    """The nominee's unit imports past titles, ratings and initiatives from the template; all or nothing."""
    from . import history_import
    from .history_forms import HistoryImportForm

    nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=pk)
    form = HistoryImportForm(request.POST, request.FILES)
    row_errors = []
    if form.is_valid():
        try:
            rows = history_import.read_rows(form.cleaned_data["file"], nominee)
            created = services.history_import(
                nominee=nominee,
                rows=rows,
                actor=request_actor(request),
            )
        except services.HistoryImportRefused as exc:
            row_errors = exc.messages
            form.add_error(
                None, _("Tệp có dòng sai nên chưa nhập bản ghi nào; sửa các dòng dưới đây rồi nhập lại.")
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request, _("Đã nhập %(n)s bản ghi; các bản ghi chờ Ban TĐKT xác nhận.") % {"n": len(created)}
            )
            return redirect("dossiers:nominee", pk=nominee.pk)
    return _nominee_page(request, nominee, import_form=form, import_errors=row_errors, status=400)


@login_required
@require_POST
def history_review(request, kind, pk, verb):
    """The Board confirms or rejects one declared record."""
    from .history_forms import RecordReviewForm

    if kind not in services.HISTORY_KINDS or verb not in ("confirm", "reject"):
        raise Http404
    model = services.history_model(kind)
    record = get_object_or_404(
        model.objects.filter(nominee__in=selectors.nominees_visible_to(request.user)).select_related(
            "nominee"
        ),
        pk=pk,
    )
    form = RecordReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    actor = request_actor(request)
    try:
        if verb == "confirm":
            services.record_confirm(record=record, note=note, actor=actor)
            messages.success(request, _("Đã xác nhận bản ghi."))
        else:
            services.record_reject(record=record, note=note, actor=actor)
            messages.success(request, _("Đã ghi không xác nhận bản ghi."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("dossiers:nominee", pk=record.nominee_id)
