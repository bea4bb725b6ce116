from django.contrib import admin

from .audit import Actor
from .models import AuditEvent, Delegation, Membership, Role
from .services import delegation_create, membership_grant


class ReadOnlyAdmin(admin.ModelAdmin):
    """For data that changes only through the engine and the services: the admin shows it, never edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the database refuses UPDATE and DELETE on this table anyway."""

    list_display = [
        "sequence",
        "created_at",
        "verb",
        "subject_type",
        "subject_id",
        "actor",
        "role",
        "target_state",
    ]
    list_filter = ["verb", "subject_type"]
    search_fields = ["subject_id", "actor__username", "comment"]


class ServiceOnlyAdmin(admin.ModelAdmin):
    """Created through the audited services; never edited or deleted in place."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ServiceOnlyAdmin):
    list_display = ["user", "role", "unit", "council_term", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name"]

    def save_model(self, request, obj, form, change):
        created = membership_grant(
            user=obj.user,
            role=obj.role,
            unit=obj.unit,
            council_term=obj.council_term,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            actor=Actor(request.user, role=Role.BOARD_HEAD, client_ip=request.META.get("REMOTE_ADDR")),
        )
        obj.pk = created.pk


@admin.register(Delegation)
class DelegationAdmin(ServiceOnlyAdmin):
    list_display = ["delegator", "delegate", "role", "valid_from", "valid_to"]

    def save_model(self, request, obj, form, change):
        created = delegation_create(
            delegator=obj.delegator,
            delegate=obj.delegate,
            role=obj.role,
            unit=obj.unit,
            council_term=obj.council_term,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            reason=obj.reason,
            actor=Actor(request.user, role=Role.BOARD_HEAD, client_ip=request.META.get("REMOTE_ADDR")),
        )
        obj.pk = created.pk
