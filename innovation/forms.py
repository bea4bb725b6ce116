from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from organisations.models import CouncilKind, CouncilTerm, Unit
from workflows.forms import DateField, DateInput
from workflows.names import full_name

from .models import Initiative, InitiativeField
from .policies import eligible_reviewers


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
            "first_applied_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "problem": forms.Textarea(attrs={"rows": 3}),
            "solution": forms.Textarea(attrs={"rows": 4}),
            "benefits": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"first_applied_on": DateField}


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
    planned_on = DateField(label=_("Ngày họp hội đồng"))
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


def _reviewer_candidates():
    """Who may be put in a round's pool: the permission layer's choice (innovation.policies)."""
    return eligible_reviewers()


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        name = full_name(obj)
        return obj.username if name == obj.username else f"{name} ({obj.username})"


class RoundForm(forms.Form):
    """The Board opens a round: council term, fields, window, pass rules, criteria (one per line) and pool."""

    council_term = forms.ModelChoiceField(
        label=_("Nhiệm kỳ Hội đồng sáng kiến"),
        queryset=CouncilTerm.objects.filter(council__kind=CouncilKind.INNOVATION).select_related("council"),
    )
    title = forms.CharField(label=_("Tên đợt"), max_length=300)
    fields_ = forms.MultipleChoiceField(
        label=_("Lĩnh vực xét"),
        choices=InitiativeField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    submission_opens_on = DateField(label=_("Nhận hồ sơ từ ngày"))
    submission_closes_on = DateField(label=_("Nhận hồ sơ đến ngày"))
    pass_score = forms.DecimalField(
        label=_("Tổng điểm tối thiểu để trình hội đồng"),
        max_digits=6,
        decimal_places=2,
        min_value=0,
        initial=70,
    )
    reviewers_per_initiative = forms.IntegerField(
        label=_("Số người chấm mỗi sáng kiến"), min_value=1, max_value=9, initial=2
    )
    spread_threshold = forms.DecimalField(
        label=_("Chênh lệch điểm cần lưu ý"), max_digits=6, decimal_places=2, min_value=0, initial=20
    )
    criteria = forms.CharField(
        label=_("Tiêu chí chấm điểm (mỗi dòng: tên tiêu chí | điểm tối đa)"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reviewers = ReviewerChoiceField(
        label=_("Người chấm của đợt"),
        queryset=_reviewer_candidates(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        from .services import DEFAULT_CRITERIA

        super().__init__(*args, **kwargs)
        self.fields["fields_"].label = _("Lĩnh vực xét")
        self.fields["reviewers"].queryset = _reviewer_candidates()
        latest = self.fields["council_term"].queryset.order_by("-starts_on", "-pk").first()
        if latest is not None:
            self.initial.setdefault("council_term", latest.pk)
        self.initial.setdefault(
            "criteria", "\n".join(f"{name} | {points.normalize():f}" for name, points in DEFAULT_CRITERIA)
        )

    def clean_criteria(self) -> list[tuple[str, Decimal]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, points = line.rpartition("|")
            try:
                value = Decimal(points.strip().replace(",", "."))
            except InvalidOperation:
                value = None
            if not sep or not name.strip() or value is None or value < Decimal("0.5") or value > 1000:
                raise forms.ValidationError(
                    _("Dòng %(n)d: ghi dạng «tên tiêu chí | điểm tối đa» (điểm từ 0,5 đến 1000).")
                    % {"n": number}
                )
            rows.append((" ".join(name.split())[:255], value.quantize(Decimal("0.01"))))
        if not rows:
            raise forms.ValidationError(_("Cần ít nhất một tiêu chí chấm điểm."))
        return rows

    def clean(self):
        data = super().clean()
        opens, closes = data.get("submission_opens_on"), data.get("submission_closes_on")
        if opens and closes and closes < opens:
            self.add_error("submission_closes_on", _("Ngày kết thúc nhận hồ sơ phải sau ngày bắt đầu."))
        criteria, pass_score = data.get("criteria"), data.get("pass_score")
        if criteria and pass_score is not None and pass_score > sum(points for _name, points in criteria):
            self.add_error("pass_score", _("Điểm tối thiểu vượt quá tổng điểm tối đa của các tiêu chí."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        labels = dict(InitiativeField.choices)
        return {
            "council_term": data["council_term"],
            "title": data["title"],
            "fields": ", ".join(str(labels[code]) for code in data["fields_"]),
            "submission_opens_on": data["submission_opens_on"],
            "submission_closes_on": data["submission_closes_on"],
            "pass_score": data["pass_score"],
            "reviewers_per_initiative": data["reviewers_per_initiative"],
            "spread_threshold": data["spread_threshold"],
            "criteria": data["criteria"],
        }


class ReviewerPoolForm(forms.Form):
    reviewers = ReviewerChoiceField(
        label=_("Người chấm của đợt"), queryset=_reviewer_candidates(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = _reviewer_candidates()


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp PDF minh chứng"),
        allow_empty_file=True,  # the service refuses it with its own message
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    description = forms.CharField(label=_("Mô tả"), max_length=255, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp Excel (.xlsx) theo mẫu"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


class CentralRecognitionForm(forms.Form):
    """The Board records the central body's recognition of an initiative nationwide (the service checks it)."""

    document_number = forms.CharField(
        label=_("Số văn bản công nhận của Trung ương"), max_length=200, required=False
    )
    document_date = DateField(label=_("Ngày văn bản"), required=False)
