"""Innovation pages: rounds, the unit's submission form, the reviewer's page, the ranking table. Thin: form →
service → redirect or render; services enforce every rule."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations.models import Unit
from workflows import engine
from workflows.exports import xlsx_response
from workflows.http import request_actor
from workflows.policies import decide_many
from workflows.throttle import limit_exports
from workflows.uploads import pdf_download

from . import certificates, imports, selectors, services
from .exports import results_bytes
from .forms import (
    AssignForm,
    AuthorFormSet,
    CentralRecognitionForm,
    ConflictForm,
    EvidenceForm,
    ImportForm,
    InitiativeForm,
    ReviewerPoolForm,
    RoundForm,
    SendToCouncilForm,
    review_form_class,
)
from .models import Author, Evidence, Initiative, InitiativeState, Review, Round, RoundState
from .policies import (
    may_add_evidence,
    may_assign_reviewers,
    may_choose_reviewers,
    may_declare_conflict,
    may_edit_authors,
    may_import_initiatives,
    may_open_round,
    may_record_central_recognition,
    may_score_initiative,
    may_send_to_council,
    submitting_unit_ids,
)


def _messages_of(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    return [getattr(error, "message", str(error))]


def _errors_into(form, error: Exception, errors: list[str]) -> None:
    """Field errors of a service onto the form's fields; the others into `errors` (shown above the form)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            if field in form.fields:
                for message in field_errors:
                    form.add_error(field, message)
            else:
                errors.extend(field_errors)
    else:
        errors.extend(_messages_of(error))


def _page_or_404(entry, request, obj=None) -> None:
    """The Board's pages are not shown to those the policy refuses (404, as for a missing page)."""
    if not entry(request.user, obj):
        raise Http404


def _submitting_units(user):
    return Unit.objects.filter(pk__in=submitting_unit_ids(user)).order_by("name")


@login_required
def round_list(request):
    rounds = Round.objects.select_related("council_term__council").order_by("-submission_opens_on", "-pk")
    return render(
        request,
        "innovation/round_list.html",
        {"rounds": rounds, "is_board": bool(may_open_round(request.user))},
    )


@login_required
def round_detail(request, pk):
    round_ = get_object_or_404(Round.objects.select_related("council_term__council"), pk=pk)
    initiatives = (
        selectors.initiatives_visible_to(request.user)
        .filter(round=round_)
        .prefetch_related("authors")
        .order_by("pk")
    )
    may = decide_many(
        request.user,
        round_,
        may_choose_reviewers,
        may_assign_reviewers,
        may_import_initiatives,
        may_send_to_council,
    )
    is_board = bool(may["choose_reviewers"])
    return render(
        request,
        "innovation/round_detail.html",
        {
            "round": round_,
            "initiatives": initiatives,
            "transitions": [c for c in engine.available(round_, request.user) if c.allowed],
            "may": may,
            "is_board": is_board,
            "can_submit": round_.state == RoundState.OPEN and _submitting_units(request.user).exists(),
            "can_rank": selectors.can_view_ranking(request.user, round_),
            "load": selectors.reviewer_load(round_) if is_board else {},
            "reviewers": round_.reviewers.all() if is_board else [],
            "council_form": SendToCouncilForm()
            if may["send_to_council"] and round_.state == RoundState.REVIEWS_COMPLETE
            else None,
            "can_import": bool(may["import_initiatives"]) and round_.state == RoundState.OPEN,
        },
    )


@login_required
def initiative_submit(request, pk):
    """A unit officer submits an initiative with its authors; a refused form keeps what was typed."""
    round_ = get_object_or_404(Round, pk=pk)
    units = _submitting_units(request.user)
    if not units.exists():
        raise Http404
    form = InitiativeForm(request.POST or None)
    authors = AuthorFormSet(request.POST or None, prefix="authors")
    unit_choice = request.POST.get("unit") if request.method == "POST" else str(units.first().pk)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and authors.is_valid():
        unit = units.filter(pk=unit_choice).first() if (unit_choice or "").isdigit() else None
        if unit is None:
            errors.append(_("Chọn đơn vị nộp sáng kiến."))
        else:
            rows = [row for row in (f.author() for f in authors) if row is not None]
            try:
                initiative = services.initiative_submit(
                    round_=round_,
                    unit=unit,
                    data=form.cleaned_data,
                    authors=rows,
                    actor=request_actor(request),
                )
            except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
                if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                    for field, field_errors in error.message_dict.items():
                        if field in form.fields:
                            for message in field_errors:
                                form.add_error(field, message)
                        else:
                            errors.extend(field_errors)
                else:
                    errors.extend(_messages_of(error))
            else:
                messages.success(request, _("Đã nộp sáng kiến «%(title)s».") % {"title": initiative.title})
                return redirect(initiative.get_absolute_url())
    return render(
        request,
        "innovation/initiative_form.html",
        {
            "round": round_,
            "form": form,
            "authors": authors,
            "units": units,
            "unit_choice": unit_choice,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def initiative_detail(request, pk):
    initiative = get_object_or_404(selectors.initiatives_visible_to(request.user), pk=pk)
    return render(request, "innovation/initiative_detail.html", _detail_context(request, initiative))


def _detail_context(
    request, initiative, evidence_form=None, evidence_errors=(), central_form=None, central_errors=()
) -> dict:
    round_ = initiative.round
    may = decide_many(
        request.user,
        initiative,
        may_assign_reviewers,
        may_add_evidence,
        may_edit_authors,
        may_declare_conflict,
        may_record_central_recognition,
    )
    can_record_central = initiative.state in services.CENTRAL_RECOGNITION_STATES and bool(
        may["record_central_recognition"]
    )
    is_board = bool(may["assign_reviewers"])
    own = initiative.assignments.filter(reviewer=request.user).first()
    reviews = (
        selectors.reviews_visible_to(request.user)
        .filter(assignment__initiative=initiative)
        .prefetch_related("scores__criterion")
    )
    can_add_evidence = initiative.state in services.EVIDENCE_STATES and bool(may["add_evidence"])
    in_full = selectors.can_read_in_full(request.user, initiative)
    return {
        "initiative": initiative,
        "round": round_,
        "authors": initiative.authors.select_related("unit"),
        "transitions": [c for c in engine.available(initiative, request.user) if c.allowed],
        "reviews": reviews,
        "own_assignment": own,
        "may": may,
        "is_board": is_board,
        "assignments": initiative.assignments.select_related("reviewer") if is_board else [],
        "suggested": services.reviewers_suggest(initiative) if is_board else [],
        "assign_form": AssignForm(round_=round_) if is_board else None,
        "conflict_form": ConflictForm() if own is None and may["declare_conflict"] else None,
        "in_full": in_full,
        "evidence": initiative.evidence.all() if in_full else [],
        "evidence_form": (evidence_form or EvidenceForm()) if can_add_evidence and in_full else None,
        "evidence_errors": list(evidence_errors),
        "can_edit_authors": initiative.state == InitiativeState.RETURNED and bool(may["edit_authors"]),
        "certificates": certificates.certificate_available(request.user, initiative),
        "central_form": (central_form or CentralRecognitionForm()) if can_record_central else None,
        "central_errors": list(central_errors),
    }


@login_required
@require_POST
def central_recognition(request, pk):
    """The Board records the central recognition that makes a recognised initiative's scope national; a refused
    form is shown again with what was typed and the message next to the field."""
    initiative = get_object_or_404(selectors.initiatives_visible_to(request.user), pk=pk)
    form = CentralRecognitionForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.central_recognition_record(
                initiative=initiative,
                document_number=form.cleaned_data["document_number"],
                document_date=form.cleaned_data["document_date"],
                actor=request_actor(request),
            )
        except ValidationError as error:
            fields = {"central_document_number": "document_number", "central_document_date": "document_date"}
            for field, messages_ in error.message_dict.items():
                if fields.get(field) in form.fields:
                    for message in messages_:
                        form.add_error(fields[field], message)
                else:
                    errors.extend(messages_)
        except (engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            errors.extend(_messages_of(error))
        else:
            messages.success(request, _("Đã ghi công nhận phạm vi toàn quốc của Trung ương."))
            return redirect(initiative.get_absolute_url())
    context = _detail_context(request, initiative, central_form=form, central_errors=errors)
    if context["central_form"] is None:  # not the Board, or not a recognised initiative
        context["central_errors"] = errors or [
            _("Không ghi được công nhận của Trung ương cho sáng kiến này.")
        ]
    return render(request, "innovation/initiative_detail.html", context, status=400)


@login_required
@require_POST
def evidence_upload(request, pk):
    """Attach a PDF to an initiative; a refused file is not stored and the page says why."""
    initiative = get_object_or_404(selectors.initiatives_readable_in_full(request.user), pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.evidence_upload(
                initiative=initiative,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                actor=request_actor(request),
            )
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            _errors_into(form, error, errors)
        else:
            messages.success(request, _("Đã đính kèm tài liệu minh chứng."))
            return redirect(initiative.get_absolute_url())
    return render(
        request,
        "innovation/initiative_detail.html",
        _detail_context(request, initiative, evidence_form=form, evidence_errors=errors),
        status=400,
    )


@login_required
def evidence_download(request, pk):
    """Only for those who read the initiative in full (404 otherwise: a published result is no evidence)."""
    evidence = get_object_or_404(Evidence, pk=pk)
    get_object_or_404(selectors.initiatives_readable_in_full(request.user), pk=evidence.initiative_id)
    return pdf_download(evidence.file.open("rb"), evidence.original_name, "minh-chung.pdf")


@login_required
@limit_exports
def certificate_download(request, pk, author_pk):
    """The certificate of one author, for those who can view the initiative once it is issued (the Board
    also before, to print it)."""
    initiative = get_object_or_404(selectors.initiatives_visible_to(request.user), pk=pk)
    if not certificates.certificate_available(request.user, initiative):
        raise Http404
    author = get_object_or_404(
        Author.objects.select_related("unit", "initiative"), pk=author_pk, initiative=initiative
    )
    response = HttpResponse(certificates.certificate_pdf(author), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="giay-chung-nhan-sang-kien-{initiative.pk}-{author.pk}.pdf"'
    )
    return response


@login_required
def authors_edit(request, pk):
    """The submitting unit corrects the authors and shares of a returned initiative; then it resubmits."""
    initiative = get_object_or_404(selectors.initiatives_visible_to(request.user), pk=pk)
    _page_or_404(may_edit_authors, request, initiative)
    initial = [
        {"full_name": a.full_name, "unit": a.unit_id, "share": a.share}
        for a in initiative.authors.order_by("-share", "pk")
    ]
    authors = AuthorFormSet(request.POST or None, prefix="authors", initial=None if request.POST else initial)
    errors: list[str] = []
    if initiative.state != InitiativeState.RETURNED:
        errors.append(_("Chỉ sửa tác giả khi sáng kiến đã được trả lại để bổ sung."))
    elif request.method == "POST" and authors.is_valid():
        rows = [row for row in (f.author() for f in authors) if row is not None]
        try:
            services.authors_replace(initiative=initiative, authors=rows, actor=request_actor(request))
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            errors.extend(_messages_of(error))
        else:
            messages.success(request, _("Đã cập nhật tác giả. Hãy bấm «Nộp lại» khi đã bổ sung đủ."))
            return redirect(initiative.get_absolute_url())
    return render(
        request,
        "innovation/authors_form.html",
        {"initiative": initiative, "authors": authors, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def round_create(request):
    """The Board opens a round: council term, fields, window, criteria (default ones offered) and reviewers."""
    _page_or_404(may_open_round, request)
    form = RoundForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                round_ = services.round_create(actor=request_actor(request), **form.service_kwargs())
                if form.cleaned_data["reviewers"]:
                    services.round_reviewers_set(
                        round_=round_,
                        reviewers=list(form.cleaned_data["reviewers"]),
                        actor=request_actor(request),
                    )
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            _errors_into(form, error, errors)
        else:
            messages.success(request, _("Đã mở đợt «%(title)s».") % {"title": round_.title})
            return redirect(round_.get_absolute_url())
    return render(
        request,
        "innovation/round_form.html",
        {"form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def round_reviewers(request, pk):
    """The Board picks the round's pool of reviewers."""
    round_ = get_object_or_404(Round, pk=pk)
    _page_or_404(may_choose_reviewers, request, round_)
    form = ReviewerPoolForm(request.POST or None, initial={"reviewers": list(round_.reviewers.all())})
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.round_reviewers_set(
                round_=round_, reviewers=list(form.cleaned_data["reviewers"]), actor=request_actor(request)
            )
        except (ValidationError, engine.ActionForbidden) as error:
            _errors_into(form, error, errors)
        else:
            messages.success(request, _("Đã cập nhật người chấm của đợt."))
            return redirect(round_.get_absolute_url())
    return render(
        request,
        "innovation/round_reviewers.html",
        {"round": round_, "form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def round_import(request, pk):
    """The Board imports initiatives of an open round from Excel; any bad row refuses the whole file."""
    round_ = get_object_or_404(Round, pk=pk)
    _page_or_404(may_import_initiatives, request, round_)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    row_errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = imports.read_rows(form.cleaned_data["file"])
            created = services.initiatives_import(round_=round_, rows=rows, actor=request_actor(request))
        except services.ImportRefused as refused:
            row_errors = refused.rows
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            _errors_into(form, error, errors)
        else:
            messages.success(request, _("Đã nhập %(n)d sáng kiến.") % {"n": len(created)})
            return redirect(round_.get_absolute_url())
    return render(
        request,
        "innovation/round_import.html",
        {
            "round": round_,
            "form": form,
            "errors": errors,
            "row_errors": row_errors,
            "columns": imports.COLUMNS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@limit_exports
def import_template(request):
    return xlsx_response(imports.template_bytes(), "mau-nhap-sang-kien.xlsx")


@login_required
@limit_exports
def round_results_excel(request, pk):
    round_ = get_object_or_404(Round.objects.select_related("council_term__council"), pk=pk)
    if not selectors.can_view_ranking(request.user, round_):
        raise Http404
    return xlsx_response(results_bytes(round_), f"ket-qua-xet-sang-kien-{round_.pk}.xlsx")


def _reviewer_change(request, pk, change, done: str):
    """Assign or take back one reviewer of an initiative (the Board, through the service's policy)."""
    initiative = get_object_or_404(selectors.initiatives_visible_to(request.user), pk=pk)
    form = AssignForm(request.POST, round_=initiative.round)
    if form.is_valid():
        try:
            change(
                initiative=initiative, reviewer=form.cleaned_data["reviewer"], actor=request_actor(request)
            )
            messages.success(request, done)
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            for message in _messages_of(error):
                messages.error(request, message)
    else:
        messages.error(request, _("Chọn người chấm trong danh sách của đợt."))
    return redirect(initiative.get_absolute_url())


@login_required
@require_POST
def initiative_assign(request, pk):
    return _reviewer_change(request, pk, services.reviewer_assign, _("Đã phân công người chấm."))


@login_required
@require_POST
def initiative_unassign(request, pk):
    """The Board takes a reviewer off an initiative before reviews open; their review grant goes with it."""
    return _reviewer_change(request, pk, services.reviewer_unassign, _("Đã rút người chấm khỏi sáng kiến."))


@login_required
@require_POST
def conflict_declare(request, pk):
    initiative = get_object_or_404(Initiative.objects.select_related("round"), pk=pk)
    _page_or_404(may_declare_conflict, request, initiative)
    form = ConflictForm(request.POST)
    if form.is_valid():
        services.conflict_declare(
            initiative=initiative, reason=form.cleaned_data["reason"], actor=request.user
        )
        messages.success(request, _("Đã ghi nhận khai báo xung đột lợi ích."))
    return redirect("innovation:my_reviews")


@login_required
@require_POST
def round_assign_balanced(request, pk):
    round_ = get_object_or_404(Round, pk=pk)
    try:
        created = services.assignments_balance(round_=round_, actor=request_actor(request))
        messages.success(request, _("Đã phân công %(n)d lượt chấm.") % {"n": created})
    except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
        for message in _messages_of(error):
            messages.error(request, message)
    return redirect(round_.get_absolute_url())


@login_required
@require_POST
def round_send_to_council(request, pk):
    round_ = get_object_or_404(Round, pk=pk)
    form = SendToCouncilForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cần nhập ngày họp hội đồng."))
        return redirect(round_.get_absolute_url())
    try:
        session = services.round_send_to_council(
            round_=round_, actor=request_actor(request), **form.cleaned_data
        )
    except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
        for message in _messages_of(error):
            messages.error(request, message)
        return redirect(round_.get_absolute_url())
    messages.success(request, _("Đã lập phiên họp hội đồng sáng kiến."))
    return redirect(session.get_absolute_url())


@login_required
def round_ranking(request, pk):
    round_ = get_object_or_404(Round, pk=pk)
    if not selectors.can_view_ranking(request.user, round_):
        raise Http404
    return render(
        request, "innovation/round_ranking.html", {"round": round_, "rows": selectors.ranking(round_)}
    )


@login_required
def my_reviews(request):
    """The reviewer's page: their own assignments only."""
    return render(
        request, "innovation/review_list.html", {"assignments": selectors.assignments_of(request.user)}
    )


@login_required
def review_edit(request, pk):
    assignment = get_object_or_404(selectors.assignments_of(request.user), pk=pk)
    initiative = assignment.initiative
    if not may_score_initiative(request.user, initiative, assignment=assignment):
        raise Http404  # the sheet is the grant holder's (innovation.review_initiative)
    criteria = list(initiative.round.criteria.all())
    form_class = review_form_class(criteria)
    review = Review.objects.filter(assignment=assignment).prefetch_related("scores").first()
    initial = {}
    if review is not None:
        initial["comment"] = review.comment
        for score in review.scores.all():
            initial[f"points_{score.criterion_id}"] = score.points
            initial[f"justification_{score.criterion_id}"] = score.justification
    form = form_class(request.POST or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_save(
                assignment=assignment,
                scores={c.pk: (data[f"points_{c.pk}"], data[f"justification_{c.pk}"]) for c in criteria},
                comment=data.get("comment", ""),
                submit="submit" in request.POST,
                actor=request.user,
            )
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden) as error:
            errors.extend(_messages_of(error))
        else:
            messages.success(
                request, _("Đã nộp phiếu chấm.") if "submit" in request.POST else _("Đã lưu phiếu chấm.")
            )
            return redirect("innovation:my_reviews")
    others = (
        selectors.reviews_visible_to(request.user)
        .filter(assignment__initiative=initiative)
        .exclude(assignment=assignment)
        .prefetch_related("scores__criterion")
    )
    return render(
        request,
        "innovation/review_form.html",
        {
            "assignment": assignment,
            "initiative": initiative,
            "authors": initiative.authors.select_related("unit"),
            "form": form,
            "review": review,
            "others": others,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )
