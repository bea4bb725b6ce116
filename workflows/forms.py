"""Form conventions shared by every app: one date field, read and shown day-first (dd/mm/yyyy).

Django's default input formats try month-first ("%m/%d/%Y") and the Vietnamese locale names none, so a
typed "10/12/2026" became 12 October and "28/12/2026" was refused. Every date a person types in this
product goes through DateField below, whatever the interface language; ISO dates (2026-12-28, as an
API client or a browser's date picker sends them) are accepted too.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

#: Day first; ISO last (what <input type="date"> and API clients send).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_DISPLAY_FORMAT = "%d/%m/%Y"


class DateInput(forms.DateInput):
    """A text box showing dd/mm/yyyy (the same in every browser and language, unlike type="date")."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": "dd/mm/yyyy",
            "inputmode": "numeric",
            "autocomplete": "off",
            "class": "date-input",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format=DATE_DISPLAY_FORMAT)


class DateField(forms.DateField):
    """A date typed day-first (28/12/2026), or ISO; a wrong one is refused with a Vietnamese message."""

    widget = DateInput
    input_formats = DATE_INPUT_FORMATS
    default_error_messages = {"invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 28/12/2026.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", DateInput)
        super().__init__(**kwargs)


class IdListField(forms.Field):
    """Object ids: a JSON array of integers from the API (`[12, 15]`), or comma-separated text from a web form
    ("12, 15"). Cleans to a sorted list without duplicates; anything else is refused next to the field."""

    json_schema = {"type": "array", "items": {"type": "integer", "minimum": 1}, "uniqueItems": True}
    max_ids = 5000

    def to_python(self, value):
        if value in (None, "", [], ()):
            return []
        parts = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
        try:
            ids = sorted({int(str(part).strip()) for part in parts if str(part).strip()})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Danh sách đối tượng không hợp lệ."), code="invalid") from None
        if any(pk < 1 for pk in ids) or len(ids) > self.max_ids:
            raise forms.ValidationError(_("Danh sách đối tượng không hợp lệ."), code="invalid")
        return ids

    def prepare_value(self, value):
        return ", ".join(str(pk) for pk in value) if isinstance(value, list | tuple) else value
