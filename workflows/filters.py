"""Filters, ordering and page size of the API lists (django-filter), and the filters of this app's lists.

Every list of the API declares a FilterSet (`filterset_class`) in its app's filters.py, built from the filters
below. The rules, the same as workflows/query.py's for the other query parameters:

- a filter applies on top of the list the caller may see (the view's get_queryset): it narrows, never widens;
  another unit's id as `?unit=` gives an empty list, exactly as an id that names nothing (no existence oracle:
  object filters are plain numbers, not "a valid choice among the objects");
- a wrong type, an out-of-range number, a value outside the choices answers 400 JSON naming the parameter
  with a Vietnamese message (`{"year": ["Phải là số nguyên."]}`), never 500; an empty value counts as absent;
  unknown parameters are ignored;
- `ordering` takes only the fields of the list's allow-list, comma-separated, `-` for descending; the id is
  added as the last key, so pages do not overlap;
- `page_size` (1 to 100, default 50) chooses the page size; a bigger one is cut to 100;
- filters and ordering apply to the `list` action only: a detail, or an action with query parameters of its
  own (`eligibility/?year=`), is not filtered.

drf-spectacular documents each filter (type, bounds, choices) from these declarations.
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from organisations.models import Unit, UnitKind

from .models import (
    AuditCheckMode,
    AuditCheckpoint,
    AuditCheckRun,
    AuditCheckState,
    Membership,
    MembershipStatus,
    Role,
)
from .query import MAX_ID, MAX_YEAR, MIN_YEAR

INTEGER_MESSAGES = {
    "invalid": _("Phải là số nguyên."),
    "min_value": _("Phải lớn hơn hoặc bằng %(limit_value)s."),
    "max_value": _("Phải nhỏ hơn hoặc bằng %(limit_value)s."),
}
CHOICE_MESSAGES = {"invalid_choice": _("«%(value)s» không phải là lựa chọn hợp lệ.")}
TEXT_MESSAGES = {"max_length": _("Không được dài quá %(limit_value)d ký tự.")}


class IntegerFilter(filters.Filter):
    """A whole number between `min_value` and `max_value` (documented as such)."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, help_text: str = "", **kwargs):
        super().__init__(
            *args,
            min_value=min_value,
            max_value=max_value,
            help_text=help_text,
            error_messages=INTEGER_MESSAGES,
            **kwargs,
        )
        schema = {"type": "integer", "minimum": min_value, "maximum": max_value}
        if help_text:
            schema["description"] = str(help_text)
        extend_schema_field(schema)(self)


def id_filter(field_name: str, help_text: str, **kwargs) -> IntegerFilter:
    """An object's id: a number, not checked against the objects (an unknown id gives an empty list)."""
    return IntegerFilter(field_name=field_name, min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


def year_filter(field_name: str = "year", help_text: str = "", **kwargs) -> IntegerFilter:
    return IntegerFilter(
        field_name=field_name, min_value=MIN_YEAR, max_value=MAX_YEAR, help_text=help_text, **kwargs
    )


def choice_filter(choices, field_name: str = "state", help_text: str = "", **kwargs) -> filters.ChoiceFilter:
    return filters.ChoiceFilter(
        field_name=field_name, choices=choices, help_text=help_text, error_messages=CHOICE_MESSAGES, **kwargs
    )


def text_filter(*, max_length: int, help_text: str = "", **kwargs) -> filters.CharFilter:
    return filters.CharFilter(
        max_length=max_length, help_text=help_text, error_messages=TEXT_MESSAGES, **kwargs
    )


class BooleanParamField(forms.Field):
    """true/false (also 1/0, any case); anything else is a 400, not silently "no filter"."""

    default_error_messages = {"invalid": _("Phải là true hoặc false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(filters.BooleanFilter):
    field_class = BooleanParamField


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=a,-b` over an explicit allow-list; the id breaks ties so that pages are stable."""

    descending_fmt = _("%s (giảm dần)")

    def __init__(self, *args, fields, **kwargs):
        # each choice labelled by its parameter name (the schema lists them)
        kwargs.setdefault(
            "field_labels", {name: param for name, param in self.normalize_fields(fields).items()}
        )
        kwargs.setdefault("error_messages", CHOICE_MESSAGES)
        kwargs.setdefault(
            "help_text",
            _(
                "Sắp xếp theo: %(fields)s; thêm «-» phía trước để giảm dần, nhiều trường cách nhau bởi dấu phẩy."
            )
            % {"fields": ", ".join(self.normalize_fields(fields).values())},
        )
        super().__init__(*args, fields=fields, **kwargs)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value and not any(param.lstrip("-") in ("id", "pk") for param in value):
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


def ordering(*fields) -> OrderingFilter:
    """The ordering allow-list: model field names, or (field name, parameter name) pairs."""
    return OrderingFilter(fields=[("pk", "id"), *fields])


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter on the list action only (see the module docstring)."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)


class ApiFilterSchema(DjangoFilterExtension):
    """The schema documents the filters on the list operation only, where ApiFilterBackend applies them."""

    target_class = "workflows.filters.ApiFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        if getattr(auto_schema.view, "action", None) != "list":
            return []
        return super().get_schema_operation_parameters(auto_schema, *args, **kwargs)


class ApiPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most MAX_PAGE_SIZE; a bigger value is cut to it)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = _("Không có trang này.")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        field = forms.IntegerField(min_value=1, error_messages=INTEGER_MESSAGES)
        try:
            size = field.clean(raw)
        except forms.ValidationError as error:
            raise ValidationError({self.page_size_query_param: list(error.messages)}) from None
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = str(
                    _("Số kết quả mỗi trang (mặc định %(default)d, tối đa %(max)d).")
                    % {"default": self.page_size, "max": self.max_page_size}
                )
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


# -- this app's lists: units and memberships -----------------------------------------------------------------


class UnitFilter(filters.FilterSet):
    kind = choice_filter(UnitKind.choices, field_name="kind", help_text=_("loại đơn vị"))
    parent = id_filter("parent_id", _("đơn vị cấp trên (mã số)"))
    is_active = BooleanFilter(field_name="is_active", help_text=_("đang hoạt động"))
    ordering = ordering("name", "code", "kind")

    class Meta:
        model = Unit
        fields = []


#: Membership.status as a condition: approved or not, ended or not.
MEMBERSHIP_STATUS_Q = {
    MembershipStatus.PENDING: Q(approved_at__isnull=True, ended_at__isnull=True),
    MembershipStatus.REJECTED: Q(approved_at__isnull=True, ended_at__isnull=False),
    MembershipStatus.ACTIVE: Q(approved_at__isnull=False, ended_at__isnull=True),
    MembershipStatus.ENDED: Q(approved_at__isnull=False, ended_at__isnull=False),
}


class MembershipFilter(filters.FilterSet):
    role = choice_filter(Role.choices, field_name="role", help_text=_("vai trò"))
    unit = id_filter("unit_id", _("đơn vị (mã số)"))
    council_term = id_filter("council_term_id", _("nhiệm kỳ hội đồng (mã số)"))
    status = choice_filter(MembershipStatus.choices, method="filter_status", help_text=_("tình trạng"))
    ordering = ordering("role", "valid_from", "valid_to", ("user__username", "username"))

    class Meta:
        model = Membership
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(MEMBERSHIP_STATUS_Q[value])


class AuditCheckRunFilter(filters.FilterSet):
    state = choice_filter(AuditCheckState.choices, help_text=_("trạng thái"))
    mode = choice_filter(AuditCheckMode.choices, field_name="mode", help_text=_("phạm vi"))
    ordering = ordering("created_at", "finished_at")

    class Meta:
        model = AuditCheckRun
        fields = []


class AuditCheckpointFilter(filters.FilterSet):
    key_id = text_filter(max_length=16, field_name="key_id", help_text=_("mã khóa"))
    ordering = ordering("sequence", "signed_at")

    class Meta:
        model = AuditCheckpoint
        fields = []
