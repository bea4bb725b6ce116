"""Web pages of the engine: home with the task inbox, any object's history, transitions, audit check."""

from __future__ import annotations

import csv
import json

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import engine, throttle
from .api import AuditEventSerializer, client_ip
from .audit import Actor
from .audit_check import active_run, problem_label, start_audit_check
from .checkpoints import CheckpointError, SignedCheckpoint, audit_checkpoint_sign
from .exports import safe_cell
from .history import describe, history_events
from .lifecycle import lifecycle_for, visible_to
from .models import AuditCheckMode, AuditCheckpoint, AuditCheckRun, Role
from .names import full_name
from .notifications import mark_all_read
from .policies import authorities_for_display, may_read_client_ips, may_read_history, may_verify_audit
from .selectors import inbox


@login_required
def home(request):
    authorities = authorities_for_display(request.user)
    limit = request.GET.get("limit", "25")
    limit = int(limit) if limit in ("25", "50", "100") else 25
    show_all = request.GET.get("all") or None
    return render(
        request,
        "workflows/home.html",
        {
            "inbox": inbox(request.user, limit=limit, show_all=show_all),
            "limit": limit,
            "show_all": show_all,
            "authorities": [
                {"role": Role(a.role).label, "scope": _scope_label(a), "on_behalf_of": a.on_behalf_of_id}
                for a in authorities
            ],
            "notifications": request.user.notifications.all()[:10],
        },
    )


def _scope_label(authority) -> str:
    from organisations.models import CouncilTerm, Unit

    if authority.unit_id:
        return str(Unit.objects.get(pk=authority.unit_id))
    if authority.council_term_id:
        return str(CouncilTerm.objects.select_related("council").get(pk=authority.council_term_id))
    return _("Toàn thành phố")


def _get_subject(app_label: str, model_name: str, pk, *, with_lifecycle: bool = True):
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    if with_lifecycle:
        try:
            lifecycle_for(model)
        except LookupError:
            raise Http404 from None
    try:
        return get_object_or_404(model, pk=pk)
    except (ValueError, ValidationError):
        raise Http404 from None


def _can_see(user, subject) -> bool:
    try:
        lifecycle_for(subject)
    except LookupError:  # audited data without a lifecycle (memberships, units): readers of everything only
        return bool(may_read_history(user))
    return visible_to(user, subject)


@login_required
def history(request, app_label: str, model_name: str, pk: str):
    """Timeline of an object's audit events (Board, auditors, chairman); ?format=json|csv exports it."""
    subject = _get_subject(app_label, model_name, pk, with_lifecycle=False)
    if not _can_see(request.user, subject):
        raise Http404
    if not may_read_history(request.user, subject):
        raise PermissionDenied(_("Chỉ Ban TĐKT, kiểm tra viên và Chủ tịch UBND được xem lịch sử."))
    events = list(history_events(subject))  # its own and its parts' (a dossier's lines)
    rows = describe(events, subject)
    show_ips = bool(may_read_client_ips(request.user, subject))
    export = request.GET.get("format")
    if export in ("json", "csv") and (refused := throttle.export_refusal(request)) is not None:
        return refused
    if export == "json":
        return JsonResponse(
            {
                "subject": str(subject),
                "events": AuditEventSerializer(
                    events,
                    many=True,
                    context={
                        "subject": subject,
                        "_history_rows": {r.event.pk: r for r in rows},
                        "show_client_ip": show_ips,
                    },
                ).data,
            },
            json_dumps_params={"ensure_ascii": False},
        )
    if export == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="lich-su-{model_name}-{pk}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(
            [
                "sequence",
                "created_at",
                "actor",
                "actor_name",
                "role",
                "on_behalf_of",
                "on_behalf_of_name",
                "verb",
                "source_state",
                "target_state",
                "comment",
                "client_ip",
                "hash",
                # labels beside the raw codes (workflows/history.py)
                "created_at_local",
                "verb_label",
                "source_state_label",
                "target_state_label",
                "role_label",
                "subject",
                "part",
                "concerns",
                # the audit chain the event is in, and its place there ("3·12"; docs/audit-chains.md)
                "chain",
                "position",
            ]
        )
        for e, row in zip(events, rows, strict=True):
            writer.writerow(
                safe_cell(value)
                for value in [
                    e.sequence,
                    e.created_at.isoformat(),
                    getattr(e.actor, "username", ""),
                    full_name(e.actor),
                    e.role,
                    getattr(e.on_behalf_of, "username", ""),
                    full_name(e.on_behalf_of),
                    e.verb,
                    e.source_state,
                    e.target_state,
                    e.comment,
                    (e.client_ip or "") if show_ips else "",
                    e.hash,
                    row.at,
                    row.verb_label,
                    row.source_label,
                    row.target_label,
                    row.role_label,
                    f"{e.subject_type.app_label}.{e.subject_type.model}:{e.subject_id}",
                    row.part,
                    "; ".join(f"{label}: {value}" for label, value in row.concerns),
                    e.chain,
                    e.position,
                ]
            )
        return response
    return render(
        request,
        "workflows/history.html",
        {
            "subject": subject,
            "rows": rows,
            "model_name": model_name,
            "app_label": app_label,
            "show_client_ip": show_ips,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, app_label: str, model_name: str, pk: str, name: str):
    """Show a transition's form and perform it; a rejected form keeps what the user typed."""
    subject = _get_subject(app_label, model_name, pk)
    if not visible_to(request.user, subject):
        raise Http404
    lifecycle_cls = lifecycle_for(subject)
    if name not in lifecycle_cls.transition_methods():
        raise Http404
    verdict = engine.check(lifecycle_cls(subject), name, request.user)
    form_class = lifecycle_cls.form_class(name)
    next_url = safe_next_url(request, fallback=_object_url(subject))
    confirm = lifecycle_cls.confirmation(name)
    if request.method == "POST" and confirm is not None and request.POST.get("confirmed") != "1":
        # an irreversible step: a valid form first shows its consequence; "Sửa lại" comes back to the form
        form = form_class(data=request.POST)
        if verdict.allowed and form.is_valid() and "edit" not in request.POST:
            return render(
                request,
                "workflows/transition_confirm.html",
                {
                    "subject": subject,
                    "verdict": verdict,
                    "consequence": confirm(subject, form.cleaned_data),
                    "hidden": [(field.html_name, field.value()) for field in form],
                    "next": next_url,
                },
            )
        if "edit" in request.POST:
            form = form_class(initial={field.name: field.value() for field in form})
    elif request.method == "POST":
        form = form_class(data=request.POST, files=request.FILES)
        try:
            engine.perform(
                subject,
                name,
                user=request.user,
                data=request.POST,
                files=request.FILES,
                client_ip=client_ip(request),
            )
        except (engine.TransitionNotAllowed, engine.ActionForbidden) as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            form.is_valid()
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                for error in errors:
                    if field in form.fields and error not in form.errors.get(field, []):
                        form.add_error(field, error)
                    elif field not in form.fields:
                        form.add_error(None, error)
        else:
            messages.success(request, _("Đã thực hiện «%(action)s».") % {"action": verdict.label})
            return redirect(next_url)
    else:
        form = form_class(initial=lifecycle_cls.form_initial(name, subject))
    return render(
        request,
        "workflows/transition_form.html",
        {
            "subject": subject,
            "form": form,
            "verdict": verdict,
            "next": next_url,
            "state_label": lifecycle_cls.state_label(getattr(subject, lifecycle_cls.state_field)),
            "confirm_next": confirm is not None,
        },
        status=200 if request.method == "GET" or not form.is_bound or not form.errors else 400,
    )


def _object_url(subject) -> str:
    return subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else "/"


def safe_next_url(request, *, fallback: str) -> str:
    """The `next` of the form or query string when it stays on this site (same host, no `javascript:` or other
    scheme, over HTTPS when the request is), else `fallback`: it is both followed and rendered as a link."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def audit_verify(request):
    """The auditor's check of the audit log: start a check of the events since the latest signed checkpoint
    ("Kiểm tra phần mới") or of the whole log ("Kiểm tra toàn bộ", what `manage.py verify_audit` checks), run
    by a Celery task in batches (workflows/audit_check.py); the recent runs; the latest signed checkpoints in a
    block to copy elsewhere, and "sign a checkpoint now".

    Auditors may start a check and sign: neither changes a dossier, vote or role (this page is the one write
    AuditorReadOnlyMiddleware lets a read-only auditor make, see EXEMPT_URL_NAMES); both are recorded.
    """
    if not may_verify_audit(request.user):
        raise PermissionDenied(_("Chỉ kiểm tra viên và Trưởng Ban TĐKT được kiểm tra nhật ký."))
    if request.method == "POST" and request.POST.get("action") == "sign":
        try:
            checkpoint = audit_checkpoint_sign(actor=Actor(user=request.user, client_ip=client_ip(request)))
        except CheckpointError as exc:
            messages.error(request, _("Không ký được điểm kiểm chứng: %(reason)s") % {"reason": exc.label})
        else:
            signed = SignedCheckpoint.of(checkpoint)
            if signed.heads:  # several chains: each chain's signed event
                text = _("Đã ký điểm kiểm chứng tại các sự kiện %(positions)s.") % {
                    "positions": signed.at_text()
                }
            else:
                text = _("Đã ký điểm kiểm chứng tại sự kiện #%(sequence)s.") % {
                    "sequence": checkpoint.sequence
                }
            messages.success(request, text)
        return redirect("audit_verify")
    if request.method == "POST":
        action = request.POST.get("action") or AuditCheckMode.FULL
        mode = AuditCheckMode.FULL if action == "verify" else action  # "verify": the page's earlier button
        if mode not in AuditCheckMode.values:
            messages.error(request, _("Không rõ cần kiểm tra phần nào của nhật ký."))
            return redirect("audit_verify")
        role = may_verify_audit(request.user).role
        run, started = start_audit_check(
            mode=mode, actor=Actor(user=request.user, role=role, client_ip=client_ip(request))
        )
        if not started:
            messages.info(request, _("Một lần kiểm tra khác đang chạy; trang này cho biết tiến độ của nó."))
        return redirect("audit_check_run", pk=run.pk)
    checkpoints = list(AuditCheckpoint.objects.order_by("-signed_at")[:10])
    copy_block = "\n".join(
        json.dumps(SignedCheckpoint.of(checkpoint).as_json(), sort_keys=True) for checkpoint in checkpoints
    )
    for checkpoint in checkpoints:  # the other chains' heads beside chain 1's, for the table
        checkpoint.other_heads = [
            (f"{chain}·{sequence}", digest)
            for chain, (sequence, digest) in sorted(SignedCheckpoint.of(checkpoint).positions().items())
            if chain != 1
        ]
    return render(
        request,
        "workflows/audit_verify.html",
        {
            "runs": _recent_runs(),
            "active": active_run(),
            "checkpoints": checkpoints,
            "copy_block": copy_block,
        },
    )


def _recent_runs():
    return list(AuditCheckRun.objects.select_related("started_by", "resumed_from")[:20])


@login_required
def audit_check_run(request, pk: int):
    """One check of the audit log: its progress (the page reloads itself until the run has finished), then
    what it found, each problem in the user's language."""
    if not may_verify_audit(request.user):
        raise PermissionDenied(_("Chỉ kiểm tra viên và Trưởng Ban TĐKT được kiểm tra nhật ký."))
    run = get_object_or_404(AuditCheckRun.objects.select_related("started_by", "resumed_from"), pk=pk)
    resumed_at = ""  # "30" with one chain, "30, #2·14, #3·9" with several (the page writes the first #)
    if run.resumed_from_id:
        resumed_at = ", #".join(SignedCheckpoint.of(run.resumed_from).places())
    return render(
        request,
        "workflows/audit_check_run.html",
        {
            "run": run,
            "resumed_at": resumed_at,
            "problems": [problem_label(item) for item in run.problems],
            "warnings": [problem_label(item) for item in run.warnings],
            "runs": _recent_runs(),
        },
    )


@login_required
def audit_check_run_status(request, pk: int):
    """A run's progress as JSON, for a script that polls it."""
    if not may_verify_audit(request.user):
        raise PermissionDenied(_("Chỉ kiểm tra viên và Trưởng Ban TĐKT được kiểm tra nhật ký."))
    run = get_object_or_404(AuditCheckRun, pk=pk)
    return JsonResponse(
        {
            "id": run.pk,
            "mode": run.mode,
            "state": run.state,
            "state_label": run.get_state_display(),
            "finished": run.finished,
            "checked": run.checked,
            "total": run.total,
            "percent": run.percent,
            "from_sequence": run.from_sequence,
            "to_sequence": run.to_sequence,
            "chain_ranges": run.chain_ranges,
            "resumed_from_sequence": run.resumed_from.sequence if run.resumed_from_id else None,
            "checkpoints_checked": run.checkpoints_checked,
            "failure_sequence": run.failure_sequence,
            "failure_chain": run.failure_chain,
            "failure_position": run.failure_position,
            "failure_reason": run.failure_reason,
            "problems": [problem_label(item) for item in run.problems],
            "started_at": run.started_at.isoformat() if run.started_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    if request.method == "POST":
        mark_all_read(request.user)
        return redirect("notifications")
    return render(request, "workflows/notifications.html", {"items": items})
