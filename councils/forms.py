"""Forms of the councils pages (the transition forms live in lifecycle.py)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import CouncilTerm, Unit
from workflows.forms import DateField

from .models import AttendanceStatus
from .registry import Threshold, ThresholdBase


class SessionCreateForm(forms.Form):
    council_term = forms.ModelChoiceField(
        label=_("Hội đồng, nhiệm kỳ"), queryset=CouncilTerm.objects.select_related("council")
    )
    title = forms.CharField(label=_("Tên phiên họp"), max_length=300)
    planned_on = DateField(label=_("Ngày họp dự kiến"))
    place = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)

    def __init__(self, *args, terms=None, **kwargs):
        """`terms`: the council terms the user may plan a session of (the choices; one alone is preselected)."""
        super().__init__(*args, **kwargs)
        if terms is not None:
            field = self.fields["council_term"]
            field.queryset = CouncilTerm.objects.filter(pk__in=[term.pk for term in terms]).select_related(
                "council"
            )
            if len(terms) == 1:
                field.initial = terms[0].pk

    def clean(self):
        """A day already past, or outside the chosen term, is refused next to the date (services say why)."""
        from .services import past_day_refusal, planned_on_refusal

        data = super().clean()
        term, day = data.get("council_term"), data.get("planned_on")
        if day is not None:
            refusal = past_day_refusal(day) or (planned_on_refusal(term, day) if term is not None else None)
            if refusal:
                self.add_error("planned_on", refusal)
        return data


class AgendaItemForm(forms.Form):
    """A free-form agenda item with a typed pass rule: no subject, so its result changes no record (dossier
    lines and initiatives are put on an agenda by their own processes, with their own rules)."""

    title = forms.CharField(label=_("Nội dung biểu quyết"), max_length=500)
    summary = forms.CharField(
        label=_("Tóm tắt thành tích, hồ sơ"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    proposing_unit = forms.ModelChoiceField(
        label=_("Đơn vị đề nghị"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    threshold_percent = forms.DecimalField(
        label=_("Tỷ lệ đồng ý tối thiểu (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=3,
        initial=Decimal(90),
    )
    threshold_base = forms.ChoiceField(
        label=_("Tính trên"), choices=ThresholdBase.choices, initial=ThresholdBase.TOTAL_MEMBERS
    )
    threshold_strict = forms.BooleanField(label=_("Phải vượt tỷ lệ (>), không tính bằng"), required=False)

    def threshold(self) -> Threshold:
        data = self.cleaned_data
        return Threshold(
            percent=data["threshold_percent"], base=data["threshold_base"], strict=data["threshold_strict"]
        )


class AttendanceForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Tình trạng"), choices=AttendanceStatus.choices)


class WrittenVoteForm(forms.Form):
    member = forms.IntegerField(label=_("Thành viên"))
    document = forms.FileField(label=_("Văn bản gửi phiếu (có chữ ký)"))


class RecusalForm(forms.Form):
    note = forms.CharField(label=_("Lý do xung đột lợi ích"), max_length=500)


class ExpertInviteForm(forms.Form):
    """Invite an outside expert to one session: a user chosen from the list (`user`) or named by username, with
    the reason. Who may be invited is the service's check (councils.policies.expert_refusal)."""

    user = forms.IntegerField(label=_("Chọn người dùng"), required=False, min_value=1, max_value=2**31 - 1)
    username = forms.CharField(label=_("hoặc nhập tên đăng nhập"), max_length=150, required=False)
    reason = forms.CharField(label=_("Lý do mời (nội dung cần ý kiến chuyên gia)"), max_length=500)

    @property
    def expert_field(self) -> str:
        """The field the expert was given in, where a refusal about them is shown."""
        return "username" if (self.data.get("username") or "").strip() else "user"

    def clean(self):
        from django.contrib.auth import get_user_model

        data = super().clean()
        if "user" in self.errors or "username" in self.errors:
            return data
        users = get_user_model().objects
        user_id, username = data.get("user"), (data.get("username") or "").strip()
        expert = None
        if user_id and username:
            self.add_error("username", _("Chọn trong danh sách hoặc nhập tên đăng nhập, không chọn cả hai."))
        elif user_id:
            expert = users.filter(pk=user_id).first()
            if expert is None:
                self.add_error("user", _("Không tìm thấy người dùng này."))
        elif username:
            expert = users.filter(username__iexact=username).first()
            if expert is None:
                self.add_error(
                    "username", _("Không tìm thấy người dùng «%(username)s».") % {"username": username}
                )
        else:
            self.add_error("user", _("Chọn một người trong danh sách hoặc nhập tên đăng nhập."))
        data["expert"] = expert
        return data
