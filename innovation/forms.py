from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from organisations.models import Unit

from .models import Initiative


class InitiativeForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = [
            "title",
            "field",
            "summary",
            "problem",
            "solution",
            "first_applied_on",
            "benefits",
            "requested_scope",
            "lower_recognition",
        ]
        widgets = {
            "first_applied_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "problem": forms.Textarea(attrs={"rows": 3}),
            "solution": forms.Textarea(attrs={"rows": 4}),
            "benefits": forms.Textarea(attrs={"rows": 3}),
        }


class AuthorForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên tác giả"), max_length=255, required=False)
    unit = forms.ModelChoiceField(
        label=_("Đơn vị công tác"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    share = forms.DecimalField(label=_("Tỷ lệ đóng góp (%)"), max_digits=5, decimal_places=2, required=False)

    def author(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("full_name") and data.get("share") is None:
            return None
        return {
            "full_name": data.get("full_name") or "",
            "unit": data.get("unit"),
            "share": data.get("share"),
        }


AuthorFormSet = forms.formset_factory(AuthorForm, extra=4, max_num=10)


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Người chấm"), queryset=get_user_model().objects.none())

    def __init__(self, *args, round_=None, **kwargs):
        super().__init__(*args, **kwargs)
        if round_ is not None:
            self.fields["reviewer"].queryset = round_.reviewers.order_by("last_name", "first_name")


class SendToCouncilForm(forms.Form):
    planned_on = forms.DateField(label=_("Ngày họp hội đồng"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)


class ConflictForm(forms.Form):
    reason = forms.CharField(label=_("Lý do xung đột lợi ích"), max_length=500)


def review_form_class(criteria):
    """A form with points and a justification for each criterion of the round."""
    fields = {}
    for criterion in criteria:
        fields[f"points_{criterion.pk}"] = forms.DecimalField(
            label=f"{criterion.name} (tối đa {criterion.max_points})",
            min_value=0,
            max_value=criterion.max_points,
            decimal_places=2,
        )
        fields[f"justification_{criterion.pk}"] = forms.CharField(
            label=_("Lý do cho điểm"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
        )
    fields["comment"] = forms.CharField(
        label=_("Nhận xét chung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    return type("ReviewForm", (forms.Form,), fields)
