from django.contrib import admin

from .models import Council, CouncilTerm, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code"]


class CouncilTermInline(admin.TabularInline):
    model = CouncilTerm
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit"]
    inlines = [CouncilTermInline]
