"""Forms of the nominee page: a unit declares a past title, rating or initiative (with its decision as evidence),
imports many from Excel; the Board confirms or rejects each declared record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateField

from .history_import import awards_for
from .models.catalogue import AwardLevel, OccasionKind
from .models.nominees import Rating


class _Evidence(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=1945, max_value=9999)
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=60)
    decision_date = DateField(label=_("Ngày quyết định"))


class TitleDeclareForm(_Evidence):
    prefix = "title"
    award = forms.ModelChoiceField(label=_("Danh hiệu, hình thức"), queryset=None)
    authority = forms.CharField(label=_("Cấp quyết định"), max_length=255)
    occasion = forms.ChoiceField(
        label=_("Loại khen thưởng"),
        choices=OccasionKind.choices,
        initial=OccasionKind.ANNUAL,
        required=False,
        help_text=_("Chỉ khen thưởng thường xuyên (tổng kết năm) được tính vào số năm liên tục."),
    )
    field_order = ["award", "occasion", "year", "authority", "decision_number", "decision_date"]

    def __init__(self, *args, nominee, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import AwardType

        self.fields["award"].queryset = AwardType.objects.filter(pk__in=[a.pk for a in awards_for(nominee)])


class RatingDeclareForm(_Evidence):
    prefix = "rating"
    rating = forms.ChoiceField(label=_("Xếp loại"), choices=Rating.choices)
    field_order = ["year", "rating", "decision_number", "decision_date"]

    def __init__(self, *args, nominee=None, **kwargs):
        super().__init__(*args, **kwargs)


class InitiativeDeclareForm(_Evidence):
    prefix = "initiative"
    title = forms.CharField(label=_("Tên sáng kiến, đề tài"), max_length=500)
    scope = forms.ChoiceField(label=_("Phạm vi ảnh hưởng"), choices=AwardLevel.choices)
    recognised_by = forms.CharField(label=_("Cơ quan công nhận"), max_length=255, required=False)
    central_document_number = forms.CharField(
        label=_("Số văn bản công nhận của Trung ương"),
        max_length=60,
        required=False,
        help_text=_("Bắt buộc với phạm vi toàn quốc (Nhà nước)."),
    )
    central_document_date = DateField(label=_("Ngày văn bản công nhận của Trung ương"), required=False)
    field_order = [
        "title",
        "scope",
        "year",
        "recognised_by",
        "decision_number",
        "decision_date",
        "central_document_number",
        "central_document_date",
    ]

    def __init__(self, *args, nominee=None, **kwargs):
        super().__init__(*args, **kwargs)


DECLARE_FORMS = {"title": TitleDeclareForm, "rating": RatingDeclareForm, "initiative": InitiativeDeclareForm}


class HistoryImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp Excel theo mẫu (.xlsx)"),
        error_messages={
            "empty": _("Tệp rỗng, vui lòng chọn lại tệp Excel."),
            "required": _("Chọn tệp Excel (.xlsx) theo mẫu."),
        },
    )


class RecordReviewForm(forms.Form):
    note = forms.CharField(label=_("Ghi chú (bắt buộc khi không xác nhận)"), max_length=500, required=False)
