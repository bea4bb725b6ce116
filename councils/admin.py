"""Admin: rules are edited here through council_rule_save (audited with before/after values); sessions and
items are read-only (they change through the engine).

Ballots and ballot receipts are not registered at all: nobody reads individual ballots, not even an admin.
"""

from django.contrib import admin

from workflows.admin import AuditedAdmin, ReadOnlyAdmin

from .models import AgendaItem, Attendance, CouncilRule, Recusal, Session
from .services import council_rule_save


@admin.register(CouncilRule)
class CouncilRuleAdmin(AuditedAdmin):
    list_display = [
        "council",
        "quorum_numerator",
        "quorum_denominator",
        "abstain_allowed",
        "written_votes_allowed",
        "secretary_votes",
    ]

    def save_service(self, obj, actor):
        return council_rule_save(rule=obj, actor=actor)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fields = [
        "order",
        "title",
        "state",
        "agree_count",
        "disagree_count",
        "abstain_count",
        "base_count",
        "passed",
        "result_explanation",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "council_term", "planned_on", "state"]
    list_filter = ["state", "council_term__council"]
    inlines = [AgendaItemInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["session", "member", "status"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["item", "member", "reason"]
