"""Admin: a round's settings and criteria are edited through the audited services; initiatives and review
assignments are read-only (they change through the engine and the Board's pages)."""

from django.contrib import admin

from workflows.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Author, Criterion, Initiative, ReviewAssignment, Round
from .services import round_settings_save


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Round)
class RoundAdmin(AuditedAdmin):
    """The Board edits a round's criteria, points and pass rules here; states move only through the engine."""

    list_display = ["title", "council_term", "submission_opens_on", "submission_closes_on", "state"]
    readonly_fields = ["state", "session", "reviewers"]
    inlines = [CriterionInline]

    def has_add_permission(self, request):
        return False  # rounds are opened through the round service (and the plan), with their lifecycle

    def save_service(self, obj, actor):
        return round_settings_save(round_=obj, actor=actor)


class AuthorInline(admin.TabularInline):
    model = Author
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Initiative)
class InitiativeAdmin(ReadOnlyAdmin):
    list_display = ["title", "round", "unit", "state", "average_score"]
    list_filter = ["round", "state"]
    readonly_fields = ["state", "average_score", "recognised_scope"]
    inlines = [AuthorInline]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["initiative", "reviewer", "created_at"]
