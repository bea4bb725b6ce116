"""The rules page: the Board reads and edits the rule versions (dossiers.rule_versions), others read them.

List of versions with their dates; a version's page with its legal basis, values, which values are assumed,
its awards and the audited history of its edits; "create a new version from this one"; the version's fields
and dates; an award's thresholds, documents and notice days. Every write goes through dossiers.rule_versions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from councils.registry import ThresholdBase
from workflows.api import client_ip
from workflows.audit import history_for
from workflows.forms import DateField
from workflows.policies import PolicyDenied

from . import rule_versions
from .models import AwardType, ConsultationAgency, DocumentKind, RuleSeverity, RuleVersion
from .models.catalogue import CONSULTATION_CATEGORIES
from .policies import may_edit_rules


def _lines(text: str):
    """The non-empty lines of a textarea with their numbers (1-based)."""
    return [
        (number, line.strip())
        for number, line in enumerate((text or "").splitlines(), start=1)
        if line.strip()
    ]


class LegalBasisField(forms.CharField):
    """The acts of a version's legal basis, one a line: «loại văn bản | số hiệu | ngày ban hành | trích yếu»,
    the date day-first (dd/mm/yyyy); cleaned to RuleVersion.legal_basis ([{kind, number, date (ISO), title}])."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                " | ".join(
                    [
                        act.get("kind", ""),
                        act.get("number", ""),
                        _day_first(act.get("date", "")),
                        act.get("title", ""),
                    ]
                )
                for act in value
                if isinstance(act, dict)
            )
        return value

    def clean(self, value):
        if isinstance(value, list):  # a disabled field: the stored value, as it is
            return value
        text = super().clean(value)
        acts, errors = [], []
        for number, line in _lines(text):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 4 or not parts[1]:
                errors.append(
                    _("Dòng %(n)s: ghi đủ bốn phần «loại văn bản | số hiệu | ngày ban hành | trích yếu».")
                    % {"n": number}
                )
                continue
            kind, act_number, day, title = parts
            iso = ""
            if day:
                try:
                    iso = datetime.strptime(day, "%d/%m/%Y").date().isoformat()
                except ValueError:
                    errors.append(
                        _("Dòng %(n)s: ngày «%(day)s» không đúng dạng ngày/tháng/năm (ví dụ 14/06/2025).")
                        % {"n": number, "day": day}
                    )
                    continue
            acts.append({"kind": kind, "number": act_number, "date": iso, "title": title})
        if errors:
            raise ValidationError(errors)
        if not acts and self.required:
            raise ValidationError(_("Ghi ít nhất một văn bản làm căn cứ."))
        return acts


class MultipliersField(forms.CharField):
    """Reward multipliers, one a line: «mã danh hiệu = hệ số» (× the base salary); cleaned to {code: "1.5"}."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{code} = {factor}" for code, factor in sorted(value.items()))
        return value

    def clean(self, value):
        if isinstance(value, dict):  # a disabled field: the stored value, as it is
            return value
        text = super().clean(value)
        found, errors = {}, []
        for number, line in _lines(text):
            code, _sep, factor = (part.strip() for part in line.partition("="))
            try:
                amount = Decimal(factor.replace(",", "."))
            except InvalidOperation:
                amount = None
            if not code or amount is None or not amount.is_finite() or amount < 0:
                errors.append(
                    _("Dòng %(n)s: ghi «mã danh hiệu = hệ số», ví dụ «cstdcs = 1,0».") % {"n": number}
                )
                continue
            found[code] = str(amount)
        if errors:
            raise ValidationError(errors)
        return found


class AssumptionsField(forms.CharField):
    """The values not confirmed from a source, one a line: «giá trị: vì sao chưa xác nhận»; cleaned to
    RuleVersion.assumptions ([{field, note}])."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{item.get('field', '')}: {item.get('note', '')}" for item in value if isinstance(item, dict)
            )
        return value

    def clean(self, value):
        if isinstance(value, list):  # a disabled field: the stored value, as it is
            return value
        text = super().clean(value)
        items, errors = [], []
        for number, line in _lines(text):
            field, _sep, note = (part.strip() for part in line.partition(":"))
            if not field or not note:
                errors.append(_("Dòng %(n)s: ghi «giá trị: ghi chú vì sao chưa xác nhận».") % {"n": number})
                continue
            items.append({"field": field, "note": note})
        if errors:
            raise ValidationError(errors)
        return items


def _day_first(iso: str) -> str:
    try:
        return datetime.strptime(iso, "%Y-%m-%d").strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return iso or ""


class VersionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên phiên bản"), max_length=255)
    effective_from = DateField(label=gettext_lazy("Hiệu lực từ"), required=False)
    effective_to = DateField(label=gettext_lazy("Hiệu lực đến"), required=False)
    quorum_numerator = forms.IntegerField(label=gettext_lazy("Tỷ lệ có mặt tối thiểu: tử số"), min_value=0)
    quorum_denominator = forms.IntegerField(label=gettext_lazy("mẫu số"), min_value=1)
    public_notice_days = forms.IntegerField(label=gettext_lazy("Số ngày làm việc công khai"), min_value=0)
    legal_basis = LegalBasisField(
        label=gettext_lazy("Căn cứ pháp lý"),
        help_text=gettext_lazy(
            "Mỗi dòng một văn bản: loại văn bản | số hiệu | ngày ban hành (ngày/tháng/năm) | trích yếu, ví dụ "
            "«Nghị định | 152/2025/NĐ-CP | 14/06/2025 | của Chính phủ quy định …»."
        ),
    )
    reward_multipliers = MultipliersField(
        label=gettext_lazy("Hệ số mức tiền thưởng"),
        required=False,
        help_text=gettext_lazy("Mỗi dòng: mã danh hiệu = hệ số (× mức lương cơ sở), ví dụ «cstdcs = 1,0»."),
    )
    assumptions = AssumptionsField(
        label=gettext_lazy("Giá trị chưa được xác nhận"),
        required=False,
        help_text=gettext_lazy("Mỗi dòng: giá trị: vì sao chưa xác nhận."),
    )
    note = forms.CharField(
        label=gettext_lazy("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for step in rule_versions.SLA_STEPS:
            self.fields[f"sla_{step}"] = forms.IntegerField(
                label=_("Thời hạn bước «%(step)s» (ngày làm việc)") % {"step": SLA_LABELS[step]},
                min_value=0,
                required=False,
            )
        for category, label in CONSULTATION_CATEGORIES.items():
            self.fields[f"consult_{category}"] = forms.MultipleChoiceField(
                label=_("Cơ quan phải hiệp y (khen thưởng cấp Nhà nước): %(kind)s") % {"kind": label},
                choices=ConsultationAgency.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        if locked:  # applied to a submitted dossier: only its end date and notes still change
            for name, field in self.fields.items():
                field.disabled = name not in rule_versions.IN_USE_FIELDS

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        sla = {step: data.pop(f"sla_{step}") for step in rule_versions.SLA_STEPS}
        data["sla_working_days"] = {step: days for step, days in sla.items() if days is not None}
        data["consultation_agencies"] = self._consultation_agencies(data)
        data["reward_multipliers"] = data.get("reward_multipliers") or {}
        data["assumptions"] = data.get("assumptions") or []
        return data

    def _consultation_agencies(self, data: dict) -> dict:
        """{category: [agency, …]} from the ticked boxes: the stored list (and its order) when the same agencies
        are ticked, a category left out when it had none and none is ticked (saving an unchanged form changes
        nothing)."""
        stored = dict(self.initial.get("consultation_agencies") or {})
        order = list(ConsultationAgency.values)
        found = {}
        for category in CONSULTATION_CATEGORIES:
            chosen = list(data.pop(f"consult_{category}", None) or [])
            before = stored.get(category)
            if before is not None and set(before) == set(chosen):
                found[category] = list(before)
            elif chosen or before is not None:
                found[category] = sorted(chosen, key=order.index)
        found.update({key: value for key, value in stored.items() if key not in CONSULTATION_CATEGORIES})
        return found


SLA_LABELS = {
    "submitted": gettext_lazy("Ban tiếp nhận hồ sơ đã trình"),
    "accepted": gettext_lazy("Thẩm định"),
    "appraised": gettext_lazy("Đưa ra hội đồng"),
    "voted": gettext_lazy("Sau khi hội đồng xét"),
    "decided": gettext_lazy("Sau quyết định"),
    "decision_after_notice": gettext_lazy("Quyết định sau khi hết công khai"),
}


class AwardForm(forms.Form):
    deciding_authority = forms.CharField(label=gettext_lazy("Thẩm quyền quyết định"), max_length=255)
    vote_threshold_percent = forms.DecimalField(
        label=gettext_lazy("Tỷ lệ phiếu đồng ý (%)"), min_value=0, max_value=100, decimal_places=2
    )
    vote_threshold_base = forms.ChoiceField(
        label=gettext_lazy("Cơ sở tính tỷ lệ"), choices=ThresholdBase.choices
    )
    vote_threshold_strict = forms.BooleanField(label=gettext_lazy("Phải vượt (>) tỷ lệ"), required=False)
    secret_ballot = forms.BooleanField(label=gettext_lazy("Bỏ phiếu kín"), required=False)
    public_notice_required = forms.BooleanField(label=gettext_lazy("Phải công khai"), required=False)
    public_notice_days = forms.IntegerField(label=gettext_lazy("Số ngày làm việc công khai"), min_value=0)
    post_after_vote = forms.BooleanField(
        label=gettext_lazy("Công khai sau khi hội đồng xét"),
        required=False,
        help_text=gettext_lazy(
            "Bỏ chọn khi quy định của Ban không yêu cầu: hồ sơ không có đối tượng nào cần công khai thì Chủ tịch "
            "quyết định ngay sau khi hội đồng xét."
        ),
    )
    required_documents = forms.MultipleChoiceField(
        label=gettext_lazy("Thành phần hồ sơ bắt buộc"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_source = forms.CharField(label=gettext_lazy("Căn cứ pháp lý"), max_length=255, required=False)

    def clean(self):
        """An award that must be posted is posted for at least one working day (0 would read «phải công khai ít
        nhất 0 ngày làm việc» on every dossier)."""
        data = super().clean()
        if data.get("public_notice_required") and data.get("public_notice_days") == 0:
            self.add_error(
                "public_notice_days",
                _("Danh hiệu, hình thức phải công khai thì số ngày làm việc công khai ít nhất là 1."),
            )
        return data


class RuleForm(forms.Form):
    """One eligibility rule of an award: its wording, severity, legal source and the figures of its parameters
    (dossiers.rule_versions.eligibility_rule_update keeps their shape)."""

    description = forms.CharField(label=gettext_lazy("Điều kiện"), max_length=500)
    severity = forms.ChoiceField(label=gettext_lazy("Mức độ"), choices=RuleSeverity.choices)
    parameters = forms.JSONField(
        label=gettext_lazy("Tham số"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Chỉ sửa các giá trị (số năm, tỷ lệ, mã danh hiệu), giữ nguyên tên tham số."),
    )
    legal_source = forms.CharField(label=gettext_lazy("Căn cứ pháp lý"), max_length=255)

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule

    def clean_parameters(self):
        value = self.cleaned_data.get("parameters")
        return {} if value in (None, "") else value


class CopyForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Mã phiên bản mới"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Tên phiên bản mới"), max_length=255)


def _can_edit(request) -> bool:
    return may_edit_rules(request.user).allowed


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _visible_versions(request):
    """The versions a user reads: drafts (no effective date yet) only for those who edit the rules."""
    versions = RuleVersion.objects.all()
    return versions if _can_edit(request) else versions.exclude(effective_from=None)


def _rows(request) -> list[dict]:
    """The versions by date, each with its count of awards, whether a submitted dossier applies it and
    whether it is the one in force today."""
    today = RuleVersion.objects.effective_on(timezone.localdate()).first()
    return [
        {
            "version": version,
            "awards": version.awards.count(),
            "in_use": rule_versions.version_in_use(version),
            "in_force": version == today,
        }
        for version in _visible_versions(request)
    ]


@login_required
def rules_list(request):
    return render(
        request,
        "dossiers/rules/list.html",
        {"rows": _rows(request), "can_edit": _can_edit(request), "copy_form": CopyForm()},
    )


def _initial(version: RuleVersion) -> dict:
    initial = {field: getattr(version, field) for field in rule_versions.VERSION_FIELDS}
    for step in rule_versions.SLA_STEPS:
        initial[f"sla_{step}"] = version.sla_days(step)
    for category in CONSULTATION_CATEGORIES:
        initial[f"consult_{category}"] = (version.consultation_agencies or {}).get(category, [])
    return initial


def _field_labels() -> dict[str, str]:
    """The Vietnamese names of the fields a rule edit records (version, award, eligibility rule)."""
    from .models import EligibilityRule

    labels = {}
    for model in (EligibilityRule, AwardType, RuleVersion):  # the version's own names win
        labels.update({field.name: str(field.verbose_name) for field in model._meta.concrete_fields})
    return labels


#: Recorded values with choices: shown by their Vietnamese labels.
_VALUE_CHOICES = {
    "required_documents": DocumentKind,
    "vote_threshold_base": ThresholdBase,
    "severity": RuleSeverity,
}


def _shown(field: str, value) -> str:
    """A recorded value as the Board reads and types it on this page (not Python's repr): acts of the legal basis,
    multipliers and assumptions as the form writes them, dates day-first, yes/no, choices by their labels, the
    step deadlines by the step's name; "" for nothing (the template shows —)."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if field == "legal_basis":
        return LegalBasisField().prepare_value(value).replace("\n", "; ")
    if field == "assumptions":
        return AssumptionsField().prepare_value(value).replace("\n", "; ")
    if field == "consultation_agencies" and isinstance(value, dict):
        labels = dict(ConsultationAgency.choices)
        return "; ".join(
            f"{CONSULTATION_CATEGORIES.get(kind, kind)}: "
            + (", ".join(str(labels.get(code, code)) for code in codes) or "—")
            for kind, codes in value.items()
        )
    if field == "sla_working_days" and isinstance(value, dict):
        return "; ".join(f"{label}: {value[step]}" for step, label in SLA_LABELS.items() if step in value)
    if field in _VALUE_CHOICES:
        labels = dict(_VALUE_CHOICES[field].choices)
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(item, item)) for item in values)
    if isinstance(value, dict):  # multipliers, an eligibility rule's parameters
        return "; ".join(f"{key} = {_shown('', inner) or '—'}" for key, inner in value.items())
    if isinstance(value, list):
        return ", ".join(_shown("", item) for item in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return _day_first(value)
    return str(value)


def _history(version: RuleVersion) -> list[dict]:
    from workflows.history import verb_label

    labels = _field_labels()
    return [
        {
            "event": event,
            "label": verb_label(RuleVersion, event.verb),
            "changes": [
                (labels.get(field, field), (_shown(field, pair[0]), _shown(field, pair[1])))
                for field, pair in ((event.data or {}).get("changes") or {}).items()
            ],
            "award": (event.data or {}).get("award", ""),
        }
        for event in history_for(version)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def rule_version_detail(request, pk):
    version = get_object_or_404(_visible_versions(request), pk=pk)
    can_edit = _can_edit(request)
    in_use = rule_versions.version_in_use(version)
    form = VersionForm(request.POST or None, initial=_initial(version), locked=in_use)
    if request.method == "POST":
        if not can_edit:
            raise PolicyDenied(may_edit_rules(request.user).reason)
        if form.is_valid():
            try:
                rule_versions.version_update(
                    version=version, user=request.user, client_ip=client_ip(request), **form.changes()
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Đã lưu phiên bản quy định."))
                return redirect("dossiers:rule_version", pk=version.pk)
    awards = list(
        AwardType.objects.filter(rule_version=version).prefetch_related("rules").order_by("level", "name")
    )
    documents = dict(DocumentKind.choices)
    for award in awards:
        award.document_labels = [str(documents.get(kind, kind)) for kind in award.required_documents]
    names = {award.code: award.name for award in awards}
    sla = [(SLA_LABELS[step], version.sla_days(step)) for step in rule_versions.SLA_STEPS]
    agency_labels = dict(ConsultationAgency.choices)
    consultation = [
        (
            label,
            ", ".join(
                str(agency_labels.get(code, code))
                for code in (version.consultation_agencies or {}).get(category, [])
            ),
            version.assumed(f"consultation_agencies.{category}") or version.assumed("consultation_agencies"),
        )
        for category, label in CONSULTATION_CATEGORIES.items()
    ]
    return render(
        request,
        "dossiers/rules/detail.html",
        {
            "version": version,
            "basis": rule_versions.citations([version]),
            "awards": awards,
            "sla": sla,
            "consultation": consultation,
            "multipliers": [
                (names.get(code, code), value)
                for code, value in sorted((version.reward_multipliers or {}).items())
            ],
            "in_use": in_use,
            "can_edit": can_edit,
            "form": form,
            "copy_form": CopyForm(),
            "history": _history(version),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def rule_version_copy(request, pk):
    source = get_object_or_404(RuleVersion, pk=pk)
    if not _can_edit(request):
        raise PolicyDenied(may_edit_rules(request.user).reason)
    form = CopyForm(request.POST)
    if form.is_valid():
        try:
            version = rule_versions.version_copy(
                source=source, user=request.user, client_ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Đã tạo phiên bản mới; hãy sửa các giá trị và đặt ngày có hiệu lực."))
            return redirect("dossiers:rule_version", pk=version.pk)
    return render(
        request,
        "dossiers/rules/list.html",
        {"rows": _rows(request), "can_edit": True, "copy_form": form, "copy_source": source},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_award_edit(request, pk):
    award = get_object_or_404(
        AwardType.objects.select_related("rule_version"), pk=pk, rule_version__isnull=False
    )
    can_edit = _can_edit(request)
    if not can_edit:
        raise PolicyDenied(may_edit_rules(request.user).reason)
    initial = {name: getattr(award, name) for name in AwardForm.base_fields}
    locked = rule_versions.locked_refusal(award.rule_version)
    posted_rule = request.POST.get("rule") if request.method == "POST" else None
    form = AwardForm(request.POST if request.method == "POST" and not posted_rule else None, initial=initial)
    rule_forms = [
        RuleForm(
            request.POST if posted_rule == str(rule.pk) else None,
            initial={name: getattr(rule, name) for name in rule_versions.RULE_EDIT_FIELDS},
            prefix=f"rule-{rule.pk}",
            rule=rule,
        )
        for rule in award.rules.order_by("position", "pk")
    ]
    if locked:  # shown, not edited: the service would refuse (dossiers.rule_versions._in_use_refusal)
        for each in [form, *rule_forms]:
            for field in each.fields.values():
                field.disabled = True
    if request.method == "POST" and locked:
        form.add_error(None, locked)
    elif posted_rule:
        rule_form = next((each for each in rule_forms if str(each.rule.pk) == posted_rule), None)
        if rule_form is None:
            raise Http404
        if rule_form.is_valid():
            changes = {name: rule_form.cleaned_data[name] for name in rule_versions.RULE_EDIT_FIELDS}
            try:
                rule_versions.eligibility_rule_update(
                    rule=rule_form.rule, user=request.user, client_ip=client_ip(request), **changes
                )
            except ValidationError as error:
                _add_errors(rule_form, error)
            else:
                messages.success(
                    request, _("Đã lưu điều kiện «%(rule)s».") % {"rule": changes["description"]}
                )
                return redirect("dossiers:rule_award", pk=award.pk)
    elif request.method == "POST" and form.is_valid():
        try:
            rule_versions.award_update(
                award=award, user=request.user, client_ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Đã lưu «%(award)s».") % {"award": award.name})
            return redirect("dossiers:rule_version", pk=award.rule_version_id)
    return render(
        request,
        "dossiers/rules/award_form.html",
        {
            "award": award,
            "version": award.rule_version,
            "form": form,
            "rule_forms": rule_forms,
            "locked": locked,
        },
        status=400 if request.method == "POST" else 200,
    )
