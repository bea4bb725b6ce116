"""The year's division: drafted by the Board, announced by the Board head with the notice's number and date."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from viewflow.fsm import State

from workflows.forms import DateField
from workflows.lifecycle import Lifecycle, TransitionForm, allowed
from workflows.models import Role

from .models import Division, DivisionState


class AnnounceForm(TransitionForm):
    document_number = forms.CharField(
        label=_lazy("Số thông báo"), max_length=60, help_text=_lazy("Ví dụ: 08/TB-HĐTĐKT")
    )
    announced_on = DateField(label=_lazy("Ngày thông báo"))


def groups_are_complete(flow):
    """Announce only a division with at least one group, each with its head (and deputy) among its members."""
    groups = list(flow.obj.groups.prefetch_related("members"))
    if not groups:
        return State.CONDITION(False, _("Chưa có Cụm, Khối thi đua nào để thông báo."))
    for group in groups:
        members = {unit.pk for unit in group.members.all()}
        if group.head_unit_id not in members or (
            group.deputy_unit_id and group.deputy_unit_id not in members
        ):
            return State.CONDITION(
                False, _("Trưởng, Phó của «%(group)s» phải là đơn vị thành viên.") % {"group": group.name}
            )
    return State.CONDITION(True)


class DivisionLifecycle(Lifecycle):
    model = Division
    states = DivisionState
    state = State(DivisionState, default=DivisionState.DRAFT)
    inbox_ordering = ("-year",)

    def can_view(self, user) -> bool:
        """The division is announced to every unit: all signed-in users read it."""
        return bool(getattr(user, "is_authenticated", False))

    @state.transition(
        source=DivisionState.DRAFT,
        target=DivisionState.ANNOUNCED,
        label=_lazy("Thông báo"),
        permission=allowed(Role.BOARD_HEAD),
        custom={"form": AnnounceForm},
        conditions=[groups_are_complete],
    )
    def announce(self, *, cleaned_data, actor, comment):
        """The Board head announces the division and approves each cluster's and block's head and deputy."""
        self.obj.document_number = cleaned_data["document_number"].strip()
        self.obj.announced_on = cleaned_data["announced_on"]
