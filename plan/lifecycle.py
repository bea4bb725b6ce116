"""The state machine of a plan activity.

planned → in_progress (start) → completed (with evidence) | postponed (Board head) | cancelled (city chairman);
a postponed activity resumes where it was. Starting an activity whose kind has a registered process
(workflows.processes) creates that process and links it; completing waits for it to finish.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from viewflow.fsm import State

from plan.models import Activity, ActivityState
from workflows.forms import DateField
from workflows.lifecycle import Lifecycle, ReasonForm, TransitionForm, allowed
from workflows.models import Role
from workflows.uploads import check_pdf

from . import links

PDF_MAX_BYTES = 20 * 1024 * 1024


def validate_pdf(upload) -> None:
    """A minh chứng file must be a real PDF (its structure, not only its name or signature: workflows.uploads)
    of reasonable size."""
    if upload.size > PDF_MAX_BYTES:
        raise ValidationError(_lazy("Tệp quá lớn (tối đa 20 MB)."))
    upload.seek(0)
    head = upload.read(5)
    if head != b"%PDF-":
        upload.seek(0)
        raise ValidationError(_lazy("Tệp minh chứng phải là tệp PDF."))
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    try:
        check_pdf(content)
    except ValidationError as error:
        raise ValidationError(error.messages) from None


class CompleteForm(TransitionForm):
    evidence_number = forms.CharField(
        label=_lazy("Số văn bản kết quả"),
        max_length=100,
        required=False,
        help_text=_lazy("Ví dụ: 35/BC-BTĐKT"),
    )
    evidence_date = DateField(label=_lazy("Ngày văn bản"), required=False)
    evidence_file = forms.FileField(
        label=_lazy("Tệp minh chứng (PDF)"),
        required=False,
        validators=[
            FileExtensionValidator(["pdf"], message=_lazy("Tệp minh chứng phải là tệp PDF.")),
            validate_pdf,
        ],
    )


class PostponeForm(ReasonForm):
    new_due_date = DateField(label=_lazy("Thời hạn mới"))


class ActivityLifecycle(Lifecycle):
    model = Activity
    states = ActivityState
    state = State(ActivityState, default=ActivityState.PLANNED)
    unit_path = "lead_unit"
    inbox_select_related = ("lead_unit", "plan")
    # The inbox lists activities due within 30 days or overdue, in plan order; the others are one link away.
    inbox_due_field = "due_date"
    inbox_horizon_days = 30
    inbox_optional = ("postpone", "cancel")
    inbox_ordering = ("plan__year", "number", "pk")

    def can_view(self, user) -> bool:
        """The plan is a published document: every signed-in user reads its activities; roles gate actions."""
        return bool(getattr(user, "is_authenticated", False))

    def recipients(self, event) -> list:
        """Who follows an activity: the lead unit's TĐKT staff and the Board officers; the Board head too once it
        is postponed or cancelled (not the city chairman at every step, though he may cancel from most states)."""
        from .reminders import activity_followers

        return activity_followers(self.obj, timezone.localdate())

    @state.transition(
        source=ActivityState.PLANNED,
        target=ActivityState.IN_PROGRESS,
        label=_lazy("Bắt đầu thực hiện"),
        permission=allowed(Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.UNIT_OFFICER, Role.UNIT_HEAD),
    )
    def start(self, *, cleaned_data, actor, comment):
        """The Board or the lead unit starts the activity; a kind with its own process gets it created and linked."""
        self.obj.started_on = timezone.localdate()
        links.start_process(self.obj, actor)

    @state.transition(
        source=ActivityState.IN_PROGRESS,
        target=ActivityState.COMPLETED,
        label=_lazy("Hoàn thành"),
        permission=allowed(Role.BOARD_OFFICER, Role.UNIT_OFFICER),
        custom={"form": CompleteForm},
        conditions=[links.process_finished_condition],
    )
    def complete(self, *, cleaned_data, actor, comment):
        """Completion needs evidence: a document number and date, a PDF, or the linked process (finished)."""
        number = (cleaned_data.get("evidence_number") or "").strip()
        issued = cleaned_data.get("evidence_date")
        upload = cleaned_data.get("evidence_file")
        if number and not issued:
            raise ValidationError({"evidence_date": _("Nhập ngày của văn bản kết quả.")})
        if issued and not number:
            raise ValidationError({"evidence_number": _("Nhập số của văn bản kết quả.")})
        if issued and issued > timezone.localdate():
            raise ValidationError({"evidence_date": _("Ngày văn bản không được sau ngày hôm nay.")})
        if not (number or upload or self.obj.has_process):
            raise ValidationError(
                {
                    "evidence_number": _(
                        "Cần minh chứng kết quả: số và ngày văn bản, hoặc tệp PDF, hoặc quy trình liên kết đã hoàn tất."
                    )
                }
            )
        if number:
            self.obj.evidence_number = number
            self.obj.evidence_date = issued
        if upload:
            self.obj.evidence_file = upload
        self.obj.completed_on = timezone.localdate()

    @state.transition(
        source=[ActivityState.PLANNED, ActivityState.IN_PROGRESS],
        target=ActivityState.POSTPONED,
        label=_lazy("Tạm hoãn"),
        permission=allowed(Role.BOARD_HEAD),
        custom={"form": PostponeForm},
    )
    def postpone(self, *, cleaned_data, actor, comment):
        """Only the Board head postpones, with a reason and a new due date later than the current one."""
        new_due = cleaned_data["new_due_date"]
        if new_due <= self.obj.due_date:
            raise ValidationError(
                {
                    "new_due_date": _("Thời hạn mới phải sau thời hạn hiện tại (%(due)s).")
                    % {"due": self.obj.due_date.strftime("%d/%m/%Y")}
                }
            )
        self.obj.due_date = new_due
        self.obj.postponement_reason = comment

    @state.transition(
        source=ActivityState.POSTPONED,
        target=State.RETURN_VALUE(ActivityState.PLANNED, ActivityState.IN_PROGRESS),
        label=_lazy("Tiếp tục thực hiện"),
        permission=allowed(Role.BOARD_HEAD, Role.BOARD_OFFICER),
    )
    def resume(self, *, cleaned_data, actor, comment):
        """A postponed activity goes back to where it was: in progress if it had started, planned otherwise."""
        if self.obj.started_on:
            links.start_process(self.obj, actor)
            return ActivityState.IN_PROGRESS
        return ActivityState.PLANNED

    @state.transition(
        source=[ActivityState.PLANNED, ActivityState.IN_PROGRESS, ActivityState.POSTPONED],
        target=ActivityState.CANCELLED,
        label=_lazy("Hủy bỏ"),
        permission=allowed(Role.CITY_CHAIRMAN, scope="city"),
        custom={"form": ReasonForm},
    )
    def cancel(self, *, cleaned_data, actor, comment):
        """Only the city chairman (who signed the plan) cancels one of its activities, with a reason."""
        self.obj.cancellation_reason = comment
