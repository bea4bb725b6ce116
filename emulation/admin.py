from django.contrib import admin

from .models import Division, EmulationGroup


class EmulationGroupInline(admin.TabularInline):
    model = EmulationGroup
    extra = 0
    fields = ["kind", "name", "head_unit", "deputy_unit"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    """Read-only: divisions change through the Board's pages and the engine."""

    list_display = ["year", "state", "document_number", "announced_on"]
    readonly_fields = ["year", "activity", "state", "document_number", "announced_on"]
    inlines = [EmulationGroupInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
