from django import forms
from viewflow.fsm import State

from workflows.lifecycle import Lifecycle, ReasonForm, TransitionForm, allowed
from workflows.models import Role

from .models import Widget, WidgetState


class ReturnForm(ReasonForm):
    deadline = forms.DateField(label="Hạn bổ sung")
    #: a choice, for the transitions listing's JSON Schema (tests/workflows/test_problem_details.py)
    kind = forms.ChoiceField(
        label="Loại bổ sung",
        choices=[("papers", "Giấy tờ"), ("figures", "Số liệu")],
        required=False,
        help_text="Phần hồ sơ cần bổ sung.",
    )


class ScoreForm(TransitionForm):
    score = forms.IntegerField(label="Điểm", min_value=0, max_value=100)


class WidgetLifecycle(Lifecycle):
    model = Widget
    states = WidgetState
    state = State(WidgetState, default=WidgetState.DRAFT)
    unit_path = "unit"

    @state.transition(
        source=[WidgetState.DRAFT, WidgetState.RETURNED],
        target=WidgetState.SUBMITTED,
        label="Nộp",
        permission=allowed(Role.UNIT_HEAD),
    )
    def submit(self, *, cleaned_data, actor, comment):
        """Only the unit head submits (signs the tờ trình)."""

    @state.transition(
        source=WidgetState.SUBMITTED,
        target=WidgetState.RETURNED,
        label="Trả lại",
        permission=allowed(Role.BOARD_OFFICER),
        custom={"form": ReturnForm},
    )
    def return_for_supplement(self, *, cleaned_data, actor, comment):
        self.obj.deadline = cleaned_data["deadline"]

    @state.transition(
        source=WidgetState.SUBMITTED,
        target=WidgetState.APPROVED,
        label="Duyệt",
        permission=allowed(Role.BOARD_HEAD),
        custom={"form": ScoreForm},
        conditions=[lambda flow: State.CONDITION(flow.obj.title != "blocked", "Tiêu đề bị chặn.")],
    )
    def approve(self, *, cleaned_data, actor, comment):
        self.obj.score = cleaned_data["score"]

    @state.transition(
        source=[WidgetState.DRAFT, WidgetState.SUBMITTED],
        target=WidgetState.CANCELLED,
        label="Hủy",
        permission=allowed(Role.CITY_CHAIRMAN, scope="city"),
        custom={"form": ReasonForm},
    )
    def cancel(self, *, cleaned_data, actor, comment):
        """Only the city chairman cancels."""

    @state.transition(source=WidgetState.DRAFT, target=WidgetState.SUBMITTED, label="Nổ")
    def explode(self, *, cleaned_data, actor, comment):
        """A transition without a permission: protected by default, nobody may run it."""
