"""Forms of the plan pages (transition forms live in lifecycle.py)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Unit
from plan.models import Activity, ActivityKind, ActivityState, ReportPeriod
from workflows.forms import DateField
from workflows.models import COUNCIL_ROLES, Membership
from workflows.roles import active_q


class FilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.order_by("name"),
        required=False,
        empty_label=_("Tất cả đơn vị"),
    )
    kind = forms.ChoiceField(label=_("Loại hoạt động"), required=False)
    state = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả trạng thái")), *ActivityState.choices]
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tất cả loại")), *(kinds or ActivityKind.choices)]


class IssueForm(forms.Form):
    number = forms.CharField(label=_("Số ký hiệu"), max_length=60, help_text=_("Ví dụ: 250/KH-UBND"))
    issued_on = DateField(label=_("Ngày ban hành"))


class UnitPlanForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none())
    number = forms.CharField(label=_("Số ký hiệu kế hoạch của đơn vị"), max_length=60, required=False)
    issued_on = DateField(label=_("Ngày ban hành"), required=False)
    summary = forms.CharField(
        label=_("Nội dung chính"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    activities = forms.ModelMultipleChoiceField(
        label=_("Hoạt động của thành phố đơn vị thực hiện"),
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Để trống: mọi hoạt động đơn vị chủ trì, phối hợp hoặc giao các cơ quan, đơn vị liên quan."
        ),
    )

    def __init__(self, *args, units=None, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        if plan is not None:
            self.fields["activities"].queryset = plan.activities.order_by("number")


class ProgressReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=ReportPeriod.choices)
    items_done = forms.IntegerField(label=_("Số nội dung đã hoàn thành"), min_value=0)
    content = forms.CharField(label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs={"rows": 4}))


def council_members():
    ids = Membership.objects.filter(active_q(timezone.localdate()), role__in=COUNCIL_ROLES).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


class OversightForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Thành viên hội đồng"), queryset=get_user_model().objects.none())
    unit = forms.ModelChoiceField(label=_("Đơn vị phụ trách"), queryset=Unit.objects.order_by("name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = council_members()
