"""Admin: the Board edits the catalogue and nominees' history here, through the audited services (one event
with before/after values per change); dossiers are read-only (the engine moves them). An award type of a rule
version that a submitted dossier applies is read-only with its rules (dossiers.rule_versions.locked_refusal):
the Board makes a new version on the rules page instead."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

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
    RecordSource,
    YearlyRating,
)
from .rule_versions import catalogue_lock_check, locked_refusal
from .services import award_type_save


def _locked(award) -> str:
    """Why `award` (and its rules) may not change here, "" when it may."""
    return locked_refusal(award.rule_version) if award is not None and award.rule_version_id else ""


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    extra = 0
    fields = ["position", "kind", "parameters", "severity", "description", "legal_source"]

    # `obj` is the award: the rules of a locked version are shown, not edited
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _locked(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _locked(obj)


class AwardTypeAdminForm(forms.ModelForm):
    """The admin's form of an award (its model and fields come from AwardTypeAdmin)."""

    def clean_rule_version(self):
        """An award is not added to (nor moved into) a version a submitted dossier applies."""
        version = self.cleaned_data.get("rule_version")
        message = locked_refusal(version)
        if message:
            raise ValidationError(message)
        return version


@admin.register(AwardType)
class AwardTypeAdmin(AuditedAdmin):
    form = AwardTypeAdminForm
    list_display = [
        "name",
        "code",
        "rule_version",
        "level",
        "recipient_kind",
        "route",
        "vote_threshold_percent",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["rule_version", "level", "route", "recipient_kind"]
    search_fields = ["name", "code"]
    inlines = [EligibilityRuleInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _locked(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        award = self.get_object(request, object_id)
        message = _locked(award)
        if message and request.method == "GET":
            messages.warning(request, message)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_service(self, obj, actor):
        return award_type_save(award=obj, actor=actor)

    def save_formset(self, request, form, formset, change):
        try:
            catalogue_lock_check(form.instance)
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None
        super().save_formset(request, form, formset, change)


#: Who declared and who checked a record: written only by the services (record_declare / _confirm / _reject).
REVIEW_FIELDS = ["status", "declared_by", "declared_at", "reviewed_by", "reviewed_at", "review_note"]


class DecidedHereReadOnly:
    """A record that came from a decision made in the system (source DECIDED_HERE) cannot be changed here."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and getattr(obj, "source", "") == RecordSource.DECIDED_HERE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and getattr(obj, "source", "") == RecordSource.DECIDED_HERE:
            return False
        return super().has_delete_permission(request, obj)


class AwardRecordInline(admin.TabularInline):
    model = AwardRecord
    extra = 0
    fk_name = "nominee"
    readonly_fields = ["dossier_nominee", "source", *REVIEW_FIELDS]

    def has_change_permission(self, request, obj=None):
        # the inline's obj is the nominee: rows decided here are shown read-only by the register admin instead
        return super().has_change_permission(request, obj) and not (
            obj is not None and obj.award_records.filter(source=RecordSource.DECIDED_HERE).exists()
        )


class YearlyRatingInline(admin.TabularInline):
    model = YearlyRating
    extra = 0
    readonly_fields = REVIEW_FIELDS


class InitiativeInline(admin.TabularInline):
    model = InitiativeRecognition
    extra = 0
    exclude = ["recorded_by"]
    readonly_fields = REVIEW_FIELDS


@admin.register(Nominee)
class NomineeAdmin(AuditedAdmin):
    list_display = ["full_name", "kind", "unit", "position"]
    list_filter = ["kind", "unit"]
    search_fields = ["full_name"]
    inlines = [AwardRecordInline, YearlyRatingInline, InitiativeInline]


@admin.register(AwardRecord)
class AwardRecordAdmin(DecidedHereReadOnly, AuditedAdmin):
    list_display = ["nominee", "award", "year", "decision_number", "decision_date", "source", "status"]
    list_filter = ["year", "award", "source", "status"]
    search_fields = ["nominee__full_name", "decision_number"]
    readonly_fields = ["dossier_nominee", "source", *REVIEW_FIELDS]


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
