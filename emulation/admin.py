from django.contrib import admin

from workflows.admin import ReadOnlyAdmin

from .models import Division, EmulationGroup


class EmulationGroupInline(admin.TabularInline):
    model = EmulationGroup
    extra = 0
    fields = ["kind", "name", "head_unit", "deputy_unit"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False


@admin.register(Division)
class DivisionAdmin(ReadOnlyAdmin):
    """Read-only, for administrators too: divisions and their groups change only through the Board's pages
    (emulation.services, audited) and the engine; the admin shows them and refuses a POST."""

    list_display = ["year", "state", "document_number", "announced_on"]
    readonly_fields = ["year", "activity", "state", "document_number", "announced_on"]
    inlines = [EmulationGroupInline]
