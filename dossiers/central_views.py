"""The Board's pages for the steps before the council and towards the central level (issue 16): the public
notice before the council (start it, answer each comment), hiệp y (send, record answers, override) with the
package forwarded to the central level, and the package's download. Writes go through dossiers.notice and
dossiers.consultation; a refused form keeps what was typed and shows the message next to the field (400)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.http import request_actor
from workflows.names import full_name
from workflows.policies import PolicyDenied

from . import consultation as hiep_y
from . import notice, policies, selectors
from .central_api import package_response
from .models import ConsultationAgency, ConsultationOutcome, ForwardingPackage, PublicComment


class NoticeForm(forms.Form):
    working_days = forms.IntegerField(
        label=gettext_lazy("Thời hạn công khai (ngày làm việc)"),
        min_value=1,
        max_value=notice.MAX_NOTICE_DAYS,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Trả lời của Ban TĐKT"),
        max_length=notice.ANSWER_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SendForm(forms.Form):
    agencies = forms.MultipleChoiceField(
        label=gettext_lazy("Cơ quan hiệp y"),
        choices=ConsultationAgency.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Đã chọn sẵn các cơ quan phải hiệp y chưa được gửi đề nghị."),
    )
    working_days = forms.IntegerField(
        label=gettext_lazy("Thời hạn trả lời (ngày làm việc)"),
        min_value=1,
        max_value=hiep_y.MAX_WORKING_DAYS,
        initial=5,
    )
    letter_reference = forms.CharField(
        label=gettext_lazy("Số công văn đề nghị"), max_length=60, required=False
    )


class ConsultationAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Ý kiến của cơ quan"),
        choices=[
            (ConsultationOutcome.AGREED, ConsultationOutcome.AGREED.label),
            (ConsultationOutcome.OBJECTED, ConsultationOutcome.OBJECTED.label),
        ],
    )
    lines = forms.MultipleChoiceField(
        label=gettext_lazy("Đối tượng cơ quan không đồng ý"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do không đồng ý"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer_reference = forms.CharField(
        label=gettext_lazy("Số văn bản trả lời"), max_length=60, required=False
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (str(line.pk), f"{line.nominee.full_name} – {line.award.name}") for line in lines
        ]


class WaiveForm(forms.Form):
    agency = forms.ChoiceField(
        label=gettext_lazy("Cơ quan không cần hiệp y"), choices=ConsultationAgency.choices
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Ví dụ: đối tượng không phải doanh nghiệp, không cần ý kiến của cơ quan môi trường."
        ),
    )


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do vẫn trình Trung ương"), widget=forms.Textarea(attrs={"rows": 2})
    )


def _errors_into(form, exc: ValidationError, *, only_service: bool = False) -> None:
    """Show a service's refusal on the form next to its field, keeping what was typed; `only_service`: the
    service's messages replace the form's own (the service checks the same input)."""
    if only_service:
        form.is_valid()
        form._errors = ErrorDict()
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _readable(request, pk):
    dossier = get_object_or_404(selectors.dossiers_visible_to(request.user), pk=pk)
    decision = policies.may_read_central_steps(request.user, dossier)
    if not decision:
        raise PolicyDenied(decision.reason)
    return dossier


@login_required
def public_notice(request, pk):
    """The dossier's lines needing public notice before the council: start the notice, answer each comment."""
    dossier = _readable(request, pk)
    notice_form = NoticeForm(initial={"working_days": 10})
    answer_forms: dict[int, AnswerForm] = {}
    status = 200
    if request.method == "POST":
        status = 400
        actor = request_actor(request)
        if request.POST.get("action") == "start":
            notice_form = NoticeForm(request.POST)
            if notice_form.is_valid():
                try:
                    notice.public_notice_start(
                        dossier=dossier, working_days=notice_form.cleaned_data["working_days"], actor=actor
                    )
                except ValidationError as exc:
                    _errors_into(notice_form, exc)
                else:
                    messages.success(request, _("Đã công khai các đối tượng trước khi họp hội đồng."))
                    return redirect("dossiers:public_notice", pk=dossier.pk)
        elif request.POST.get("action") == "answer":
            comment = get_object_or_404(
                PublicComment.objects.filter(line__dossier=dossier), pk=request.POST.get("comment") or 0
            )
            form = AnswerForm(request.POST, prefix=f"a{comment.pk}")
            answer_forms[comment.pk] = form
            try:
                notice.public_comment_answer(
                    comment=comment, answer=request.POST.get(f"a{comment.pk}-answer", ""), actor=actor
                )
            except ValidationError as exc:
                _errors_into(form, exc, only_service=True)
            else:
                messages.success(request, _("Đã ghi câu trả lời."))
                return redirect("dossiers:public_notice", pk=dossier.pk)
        else:
            raise Http404
    rows = notice.notice_rows(dossier)
    for row in rows:
        for comment in row["comments"]:
            comment.form = answer_forms.get(comment.pk) or AnswerForm(prefix=f"a{comment.pk}")
            comment.answered_by_name = full_name(comment.answered_by) if comment.answered_by else ""
    can_start = any(row["notice"] is None and row["line"].state in notice.NOTICE_LINE_STATES for row in rows)
    return render(
        request,
        "dossiers/public_notice.html",
        {
            "dossier": dossier,
            "rows": rows,
            "notice_form": notice_form,
            "can_start": can_start,
            "may_write": bool(policies.may_start_public_notice(request.user, dossier)),
        },
        status=status,
    )


@login_required
def consultation(request, pk):
    """Hiệp y of the dossier's state-level nominees; the package forwarded to the central level."""
    dossier = _readable(request, pk)
    lines = list(hiep_y.central_lines(dossier))
    send_form = SendForm(prefix="s")
    waive_form = WaiveForm(prefix="w")
    bound: dict[tuple[str, int], forms.Form] = {}
    status = 200
    if request.method == "POST":
        status = 400
        actor = request_actor(request)
        action = request.POST.get("action")
        try:
            if action == "send":
                send_form = SendForm(request.POST, prefix="s")
                hiep_y.consultation_send_many(
                    dossier=dossier,
                    agencies=request.POST.getlist("s-agencies"),
                    working_days=request.POST.get("s-working_days"),
                    letter_reference=request.POST.get("s-letter_reference", ""),
                    actor=actor,
                )
                done = _("Đã gửi đề nghị hiệp y.")
            elif action == "waive":
                waive_form = WaiveForm(request.POST, prefix="w")
                hiep_y.consultation_waive(
                    dossier=dossier,
                    agency=request.POST.get("w-agency", ""),
                    reason=request.POST.get("w-reason", ""),
                    actor=actor,
                )
                done = _("Đã ghi quyết định miễn hiệp y.")
            elif action in ("answer", "no_answer", "override"):
                request_row = get_object_or_404(
                    dossier.consultations.all(), pk=request.POST.get("consultation") or 0
                )
                prefix = f"{action}{request_row.pk}"
                if action == "answer":
                    form = ConsultationAnswerForm(request.POST, prefix=prefix, lines=lines)
                    bound[(action, request_row.pk)] = form
                    hiep_y.consultation_answer(
                        consultation=request_row,
                        outcome=request.POST.get(f"{prefix}-outcome", ""),
                        reason=request.POST.get(f"{prefix}-reason", ""),
                        lines=request.POST.getlist(f"{prefix}-lines"),
                        answer_reference=request.POST.get(f"{prefix}-answer_reference", ""),
                        actor=actor,
                    )
                    done = _("Đã ghi ý kiến hiệp y.")
                elif action == "no_answer":
                    hiep_y.consultation_no_answer(consultation=request_row, actor=actor)
                    done = _("Đã ghi: cơ quan không trả lời trong thời hạn.")
                else:
                    form = OverrideForm(request.POST, prefix=prefix)
                    bound[(action, request_row.pk)] = form
                    hiep_y.consultation_override(
                        consultation=request_row, reason=request.POST.get(f"{prefix}-reason", ""), actor=actor
                    )
                    done = _("Đã ghi quyết định vẫn trình Trung ương.")
            else:
                raise Http404
        except ValidationError as exc:
            form = {"send": send_form, "waive": waive_form}.get(action) or bound.get(
                (action, int(request.POST.get("consultation") or 0))
            )
            if form is not None:
                _errors_into(form, exc, only_service=True)
            else:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
            return redirect("dossiers:consultation", pk=dossier.pk)
    requests = list(dossier.consultations.prefetch_related("objected_lines__nominee"))
    agency_rows = hiep_y.agency_rows(dossier)
    closed = {row.agency for row in requests} | set(
        dossier.consultation_waivers.values_list("agency", flat=True)
    )
    send_form.fields["agencies"].choices = [c for c in ConsultationAgency.choices if c[0] not in closed]
    missing = [row["agency"] for row in agency_rows if row["status"] == "not_sent"]
    if not send_form.is_bound:
        send_form.initial["agencies"] = missing
    waive_form.fields["agency"].choices = [
        (row["agency"], row["label"]) for row in agency_rows if row["status"] == "not_sent"
    ]
    for row in requests:
        row.status = hiep_y.consultation_status(row)
        row.answer_form = bound.get(("answer", row.pk)) or ConsultationAnswerForm(
            prefix=f"answer{row.pk}", lines=lines
        )
        row.override_form = bound.get(("override", row.pk)) or OverrideForm(prefix=f"override{row.pk}")
    package = (
        ForwardingPackage.objects.filter(dossier=dossier)
        .prefetch_related("lines__nominee", "lines__award")
        .first()
    )
    return render(
        request,
        "dossiers/consultation.html",
        {
            "dossier": dossier,
            "lines": lines,
            "requests": requests,
            "send_form": send_form,
            "waive_form": waive_form,
            "agency_rows": agency_rows,
            "refusals": hiep_y.forwarding_refusals(dossier, hiep_y.panel_lines(dossier)),
            "package": package,
            "may_write": bool(policies.may_manage_consultation(request.user, dossier)),
            "may_override": bool(policies.may_override_consultation(request.user, None)),
            "may_waive": bool(policies.may_waive_consultation(request.user, dossier)),
        },
        status=status,
    )


@login_required
def forwarding_package(request, pk):
    """The ZIP forwarded to the central level (404 before the forwarding)."""
    dossier = _readable(request, pk)
    package = ForwardingPackage.objects.filter(dossier=dossier).first()
    if package is None:
        raise Http404
    return package_response(package)
