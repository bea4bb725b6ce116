"""Admin: the Board edits the catalogue and nominees' history here, through the audited services (one event
with before/after values per change); dossiers are read-only (the engine moves them)."""

from django.contrib import admin

from workflows.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    AwardRecord,
    AwardType,
    Dossier,
    DossierDocument,
    DossierNominee,
    EligibilityRule,
    InitiativeRecognition,
    Nominee,
    YearlyRating,
)
from .services import award_type_save


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    extra = 0
    fields = ["position", "kind", "parameters", "severity", "description", "legal_source"]


@admin.register(AwardType)
class AwardTypeAdmin(AuditedAdmin):
    list_display = [
        "name",
        "code",
        "level",
        "recipient_kind",
        "route",
        "vote_threshold_percent",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["level", "route", "recipient_kind"]
    search_fields = ["name", "code"]
    inlines = [EligibilityRuleInline]

    def save_service(self, obj, actor):
        return award_type_save(award=obj, actor=actor)


class AwardRecordInline(admin.TabularInline):
    model = AwardRecord
    extra = 0
    fk_name = "nominee"
    readonly_fields = ["dossier_nominee", "source"]


class YearlyRatingInline(admin.TabularInline):
    model = YearlyRating
    extra = 0


class InitiativeInline(admin.TabularInline):
    model = InitiativeRecognition
    extra = 0
    exclude = ["recorded_by"]


@admin.register(Nominee)
class NomineeAdmin(AuditedAdmin):
    list_display = ["full_name", "kind", "unit", "position", "on_hold"]
    list_filter = ["kind", "on_hold", "unit"]
    search_fields = ["full_name"]
    inlines = [AwardRecordInline, YearlyRatingInline, InitiativeInline]


@admin.register(AwardRecord)
class AwardRecordAdmin(AuditedAdmin):
    list_display = ["nominee", "award", "year", "decision_number", "decision_date", "source"]
    list_filter = ["year", "award", "source"]
    search_fields = ["nominee__full_name", "decision_number"]
    readonly_fields = ["dossier_nominee", "source"]


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "year", "state", "deadline"]
    list_filter = ["state", "year"]


@admin.register(DossierNominee)
class DossierNomineeAdmin(ReadOnlyAdmin):
    list_display = ["nominee", "award", "dossier", "state"]
    list_filter = ["state"]


@admin.register(DossierDocument)
class DossierDocumentAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "line", "kind", "version", "original_name", "sha256"]
