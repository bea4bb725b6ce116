from django.contrib import admin

from .models import Author, Criterion, Initiative, ReviewAssignment, Round


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    """The Board edits a round's criteria, points and pass rules here; states move only through the engine."""

    list_display = ["title", "council_term", "submission_opens_on", "submission_closes_on", "state"]
    readonly_fields = ["state", "session"]
    filter_horizontal = ["reviewers"]
    inlines = [CriterionInline]


class AuthorInline(admin.TabularInline):
    model = Author
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "unit", "state", "average_score"]
    list_filter = ["round", "state"]
    readonly_fields = ["state", "average_score", "recognised_scope"]
    inlines = [AuthorInline]

    def has_add_permission(self, request):
        return False


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    list_display = ["initiative", "reviewer", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
