"""Units, councils and council terms are registered in workflows/admin.py: their edits go through the audited
configuration services of workflows/config.py, which stand above this app (it imports nothing of the engine).

The dated tree and the successions are shown here read-only: they change only through the audited services
of workflows/organisation_services.py (unit_parent_change, unit_succession_record)."""

from django.contrib import admin

from .models import UnitParentPeriod, UnitSuccession


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitParentPeriod)
class UnitParentPeriodAdmin(_ReadOnly):
    list_display = ["unit", "parent", "valid_from", "valid_to"]
    search_fields = ["unit__name", "unit__code", "parent__name"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(_ReadOnly):
    list_display = ["predecessor", "successor", "kind", "effective_on", "legal_act"]
    list_filter = ["kind", "effective_on"]
    search_fields = ["predecessor__name", "successor__name", "legal_act"]
