"""Query-string parameters of the API, validated by a small serializer per endpoint.

A wrong type, an out-of-range number or a value outside the choices answers 400 JSON naming the parameter
with a Vietnamese message (`{"year": ["Phải là số nguyên."]}`), never 500; an empty value counts as absent;
parameters an endpoint does not know are ignored (DRF's own `page` and `format` among them). The same
serializer documents the parameters in the schema: `extend_schema(parameters=[TheQuery])`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: The largest id a BigAutoField holds; a bigger number cannot name a row.
MAX_ID = 2**63 - 1
#: Years that make sense for emulation and commendation work.
MIN_YEAR, MAX_YEAR = 1945, 2200


def integer(*, min_value: int, max_value: int, help_text: str = "", **kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=min_value,
        max_value=max_value,
        help_text=help_text,
        error_messages={
            "invalid": _("Phải là số nguyên."),
            "max_string_length": _("Giá trị quá dài."),
            "min_value": _("Phải lớn hơn hoặc bằng {min_value}."),
            "max_value": _("Phải nhỏ hơn hoặc bằng {max_value}."),
        },
        **kwargs,
    )


def year(help_text: str = "") -> serializers.IntegerField:
    return integer(min_value=MIN_YEAR, max_value=MAX_YEAR, help_text=help_text)


def object_id(help_text: str = "") -> serializers.IntegerField:
    return integer(min_value=1, max_value=MAX_ID, help_text=help_text)


def choice(choices, help_text: str = "") -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices,
        required=False,
        help_text=help_text,
        error_messages={"invalid_choice": _("«{input}» không phải là lựa chọn hợp lệ.")},
    )


def date(help_text: str = "") -> serializers.DateField:
    return serializers.DateField(
        required=False,
        help_text=help_text,
        error_messages={"invalid": _("Ngày không hợp lệ, dùng dạng YYYY-MM-DD.")},
    )


def text(*, max_length: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False,
        max_length=max_length,
        help_text=help_text,
        error_messages={"max_length": _("Không được dài quá {max_length} ký tự.")},
    )


def validated_query(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The request's query parameters that `serializer_class` declares, validated (400 otherwise)."""
    names = serializer_class().fields.keys()
    data = {
        name: request.query_params.get(name) for name in names if request.query_params.get(name, "") != ""
    }
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
