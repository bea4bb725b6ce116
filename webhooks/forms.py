from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Subscription

#: The kinds of objects a subscriber may choose (others are configuration: units, memberships…).
SUBJECT_TYPE_CHOICES = [
    ("dossiers.dossier", _("Hồ sơ đề nghị khen thưởng")),
    ("dossiers.dossiernominee", _("Dòng đề nghị (cá nhân, tập thể)")),
    ("councils.session", _("Phiên họp hội đồng")),
    ("councils.agendaitem", _("Mục trong chương trình họp")),
    ("innovation.round", _("Đợt xét sáng kiến")),
    ("innovation.initiative", _("Sáng kiến")),
    ("plan.activity", _("Hoạt động kế hoạch")),
]


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("Địa chỉ nhận"), max_length=500, assume_scheme="https")
    subject_types = forms.MultipleChoiceField(
        label=_("Chỉ nhận sự kiện của"),
        choices=SUBJECT_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn: mọi đối tượng bạn được xem."),
    )

    class Meta:
        model = Subscription
        fields = ["name", "url"]
