"""Forms of the unit's dossier wizard and of the Board's and chair's screens."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateField

from .identity import normalise_cccd, validate_cccd
from .models import (
    AwardType,
    DocumentKind,
    Dossier,
    Gender,
    HoldKind,
    Nominee,
    OccasionKind,
    RecipientKind,
)
from .rule_versions import awards_for_year
from .services import PUBLIC_COMMENT_LIMITS


class DossierForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị đề nghị"), queryset=None)
    year = forms.IntegerField(label=_("Năm thành tích"), min_value=2000, max_value=2100)
    occasion = forms.ChoiceField(label=_("Loại khen thưởng"), choices=OccasionKind.choices)
    title = forms.CharField(label=_("Trích yếu"), max_length=255)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].initial = timezone.localdate().year
        if units is not None and units.count() == 1:
            self.fields["unit"].initial = units.first()


class LineForm(forms.Form):
    """Add a nominee to the dossier: choose one already recorded, or describe a new one."""

    nominee = forms.ModelChoiceField(
        label=_("Đối tượng đã có"), queryset=None, required=False, empty_label=_("— Thêm đối tượng mới —")
    )
    kind = forms.ChoiceField(
        label=_("Loại đối tượng"),
        required=False,
        choices=[c for c in RecipientKind.choices if c[0] != RecipientKind.ANY],
    )
    full_name = forms.CharField(label=_("Họ và tên / tên tập thể"), max_length=255, required=False)
    birth_year = forms.IntegerField(label=_("Năm sinh"), min_value=1900, max_value=2100, required=False)
    date_of_birth = DateField(label=_("Ngày sinh"), required=False)
    cccd = forms.CharField(
        label=_("Số CCCD"),
        max_length=20,
        required=False,
        help_text=_("12 chữ số; dùng để tìm trùng đối tượng trong thành phố."),
    )
    gender = forms.ChoiceField(label=_("Giới tính"), choices=[("", "—"), *Gender.choices], required=False)
    position = forms.CharField(label=_("Chức vụ"), max_length=255, required=False)
    sub_unit = forms.CharField(label=_("Bộ phận, đơn vị trực thuộc"), max_length=255, required=False)
    award = forms.ModelChoiceField(label=_("Danh hiệu, hình thức đề nghị"), queryset=None)
    achievement_report = forms.CharField(
        label=_("Tóm tắt thành tích"), widget=forms.Textarea(attrs={"rows": 5})
    )
    members_total = forms.IntegerField(label=_("Tổng số thành viên (tập thể)"), min_value=0, required=False)
    members_completed = forms.IntegerField(label=_("Số hoàn thành nhiệm vụ"), min_value=0, required=False)
    members_advanced = forms.IntegerField(label=_("Số đạt Lao động tiên tiến"), min_value=0, required=False)
    members_grassroots_fighters = forms.IntegerField(
        label=_("Số đạt Chiến sĩ thi đua cơ sở"), min_value=0, required=False
    )
    members_disciplined = forms.IntegerField(
        label=_("Số bị kỷ luật từ khiển trách trở lên"), min_value=0, required=False
    )

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = Nominee.objects.filter(unit=dossier.unit)
        # the awards of the rule version that applies to the dossier's achievements (dossiers.rule_versions)
        self.fields["award"].queryset = awards_for_year(dossier.year).order_by("level", "name")

    def clean(self):
        data = super().clean()
        if not data.get("nominee") and not data.get("full_name"):
            self.add_error("full_name", _("Chọn đối tượng đã có hoặc nhập tên đối tượng mới."))
        if not data.get("nominee") and not data.get("kind"):
            self.add_error("kind", _("Chọn loại đối tượng."))
        return data

    def clean_cccd(self):
        value = normalise_cccd(self.cleaned_data.get("cccd"))
        validate_cccd(value)
        return value


class HoldForm(forms.Form):
    """The Board records a hold on a nominee (web page section and API input)."""

    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=HoldKind.choices,
        error_messages={
            "required": _("Chọn loại: kỷ luật, thanh tra, khiếu nại hoặc báo chí phản ánh."),
            "invalid_choice": _("Chọn loại: kỷ luật, thanh tra, khiếu nại hoặc báo chí phản ánh."),
        },
    )
    starts_on = DateField(
        label=_("Từ ngày"), error_messages={"required": _("Ghi ngày bắt đầu (dd/mm/yyyy).")}
    )
    ends_on = DateField(
        label=_("Đến ngày"), required=False, help_text=_("Để trống nếu chưa xác định ngày kết thúc.")
    )
    source_document = forms.CharField(
        label=_("Văn bản căn cứ"),
        max_length=500,
        error_messages={"required": _("Ghi văn bản căn cứ (số, ngày, cơ quan ban hành).")},
    )
    note = forms.CharField(
        label=_("Ghi chú"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferForm(forms.Form):
    """The Board records a person's transfer to another unit (web page section and API input)."""

    to_unit = forms.ModelChoiceField(
        label=_("Đơn vị chuyển đến"),
        queryset=None,
        error_messages={
            "required": _("Hãy chọn đơn vị chuyển đến."),
            "invalid_choice": _("Đơn vị chuyển đến không có hoặc đã hết hiệu lực."),
        },
    )
    on = DateField(
        label=_("Ngày chuyển công tác"),
        error_messages={"required": _("Hãy nhập ngày chuyển công tác (dd/mm/yyyy).")},
        help_text=_("Ngày bắt đầu công tác tại đơn vị mới (dd/mm/yyyy)."),
    )
    legal_act = forms.CharField(
        label=_("Quyết định điều động, chuyển công tác"),
        max_length=255,
        error_messages={
            "required": _("Ghi quyết định điều động, chuyển công tác (số, ngày, cơ quan ban hành).")
        },
    )
    position = forms.CharField(
        label=_("Chức vụ tại đơn vị mới"),
        max_length=255,
        required=False,
        help_text=_("Để trống nếu giữ nguyên chức vụ."),
    )
    sub_unit = forms.CharField(label=_("Bộ phận tại đơn vị mới"), max_length=255, required=False)
    note = forms.CharField(
        label=_("Ghi chú"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from organisations.timeline import units_on

        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units_on(timezone.localdate()).filter(is_active=True)


class HoldLiftForm(forms.Form):
    note = forms.CharField(
        label=_("Lý do gỡ"),
        max_length=1000,
        error_messages={"required": _("Ghi lý do gỡ tạm dừng xét khen thưởng.")},
    )


class LineEditForm(forms.Form):
    award = forms.ModelChoiceField(label=_("Danh hiệu, hình thức đề nghị"), queryset=None)
    achievement_report = forms.CharField(
        label=_("Tóm tắt thành tích"), widget=forms.Textarea(attrs={"rows": 6})
    )
    members_total = forms.IntegerField(label=_("Tổng số thành viên (tập thể)"), min_value=0, required=False)
    members_completed = forms.IntegerField(label=_("Số hoàn thành nhiệm vụ"), min_value=0, required=False)
    members_advanced = forms.IntegerField(label=_("Số đạt Lao động tiên tiến"), min_value=0, required=False)
    members_grassroots_fighters = forms.IntegerField(
        label=_("Số đạt Chiến sĩ thi đua cơ sở"), min_value=0, required=False
    )
    members_disciplined = forms.IntegerField(
        label=_("Số bị kỷ luật từ khiển trách trở lên"), min_value=0, required=False
    )

    def __init__(self, *args, dossier: Dossier | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        awards = (
            awards_for_year(dossier.year)
            if dossier is not None
            else AwardType.objects.effective_on(timezone.localdate())
        )
        self.fields["award"].queryset = awards.order_by("level", "name")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại tài liệu"), choices=DocumentKind.choices)
    line = forms.ModelChoiceField(
        label=_("Thuộc đối tượng"),
        queryset=None,
        required=False,
        empty_label=_("— Tài liệu chung của hồ sơ —"),
    )
    file = forms.FileField(
        label=_("Tệp PDF"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = dossier.lines.select_related("nominee", "award")


class PublicCommentForm(forms.Form):
    """The anonymous comment form; the limits are the service's (public_comment_add), shown next to the field."""

    author_name = forms.CharField(label=_("Họ và tên"), max_length=PUBLIC_COMMENT_LIMITS["author_name"])
    contact = forms.CharField(
        label=_("Địa chỉ, số điện thoại hoặc thư điện tử"), max_length=PUBLIC_COMMENT_LIMITS["contact"]
    )
    text = forms.CharField(
        label=_("Nội dung góp ý"),
        max_length=PUBLIC_COMMENT_LIMITS["text"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = PUBLIC_COMMENT_LIMITS["text"]
        self.fields["text"].help_text = _("Tối đa %(limit)s ký tự.") % {"limit": limit}


class DossierFilterForm(forms.Form):
    """The dossier list's search and filters (GET). A value that is not one of the choices, a year that is not a
    year: the message shows next to that field and that filter alone is left out; the others still apply."""

    q = forms.CharField(
        label=_("Tìm kiếm"),
        required=False,
        max_length=100,
        widget=forms.SearchInput,
        help_text=_("Tên đối tượng, trích yếu hoặc số hồ sơ, số quyết định."),
        error_messages={"max_length": _("Không được dài quá %(limit_value)d ký tự.")},
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=None,
        required=False,
        empty_label=_("Tất cả"),
        error_messages={"invalid_choice": _("Không có đơn vị này trong danh sách.")},
    )
    award = forms.ChoiceField(
        label=_("Danh hiệu, hình thức"),
        required=False,
        error_messages={"invalid_choice": _("Không có danh hiệu, hình thức này trong danh sách.")},
    )
    year = forms.IntegerField(
        label=_("Năm thành tích"),
        required=False,
        min_value=1945,
        max_value=2200,
        error_messages={
            "invalid": _("Năm phải là một số, ví dụ 2024."),
            "min_value": _("Năm không được trước %(limit_value)s."),
            "max_value": _("Năm không được sau %(limit_value)s."),
        },
    )
    state = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        error_messages={"invalid_choice": _("Không có trạng thái này.")},
    )

    def __init__(self, *args, units, **kwargs):
        from .models import DossierState

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        codes = AwardType.objects.order_by("level", "name").values_list("code", "name")
        self.fields["award"].choices = [("", _("Tất cả")), *dict(codes).items()]
        self.fields["state"].choices = [("", _("Tất cả")), *DossierState.choices]

    def filters(self) -> dict:
        """The valid filters only (an invalid field is left out), for selectors.dossier_search."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "query": (data.get("q") or "").strip(),
            "unit_id": getattr(data.get("unit"), "pk", None),
            "award_code": data.get("award") or "",
            "year": data.get("year"),
            "state": data.get("state") or "",
        }


class RegisterSearchForm(forms.Form):
    q = forms.CharField(label=_("Họ tên, tên tập thể"), required=False)
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, required=False)
    year = forms.IntegerField(label=_("Năm"), required=False)
    award = forms.ChoiceField(label=_("Danh hiệu, hình thức"), required=False)
    unit_view = forms.ChoiceField(
        label=_("Đơn vị hiển thị"),
        required=False,
        choices=[
            ("then", _("Theo đơn vị lúc đó")),
            ("successor", _("Theo đơn vị kế thừa hiện nay")),
        ],
        help_text=_(
            "Đơn vị lúc được khen (kể cả đơn vị đã sáp nhập, người đã chuyển công tác), "
            "hoặc đơn vị kế thừa đơn vị đó hiện nay."
        ),
    )

    def __init__(self, *args, **kwargs):
        from organisations.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True)
        codes = AwardType.objects.order_by("level", "name").values_list("code", "name").distinct()
        self.fields["award"].choices = [("", "—"), *dict(codes).items()]


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        from workflows.names import full_name

        return full_name(obj)


class AssignOfficerForm(forms.Form):
    """The Board head gives a submitted dossier to one Board officer (empty: nobody, any officer handles it)."""

    officer = OfficerChoiceField(
        label=_("Chuyên viên xử lý"),
        queryset=None,
        required=False,
        empty_label=_("— Chưa giao (mọi chuyên viên) —"),
        error_messages={"invalid_choice": _("Người này hiện không phải chuyên viên Ban TĐKT.")},
    )

    def __init__(self, *args, **kwargs):
        from .policies import board_officers

        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = board_officers()
