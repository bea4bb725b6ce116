from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Unit
from plan.forms import council_members

from .models import GroupKind


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=GroupKind.choices)
    name = forms.CharField(label=_("Tên Cụm, Khối"), max_length=200)
    members = forms.ModelMultipleChoiceField(
        label=_("Đơn vị thành viên"),
        queryset=Unit.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    head_unit = forms.ModelChoiceField(label=_("Đơn vị Trưởng"), queryset=Unit.objects.order_by("name"))
    deputy_unit = forms.ModelChoiceField(
        label=_("Đơn vị Phó"), queryset=Unit.objects.order_by("name"), required=False
    )


class OverseerForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Cụm, Khối"), queryset=None)
    member = forms.ModelChoiceField(label=_("Thành viên hội đồng phụ trách"), queryset=None)

    def __init__(self, *args, division, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = division.groups.all()
        self.fields["member"].queryset = council_members()
