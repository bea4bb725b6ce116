from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from organisations.models import Council, CouncilTerm, Unit

from .audit import Actor
from .config import config_delete, config_save, unit_update
from .engine import TransitionNotAllowed
from .http import client_ip
from .models import ApiToken, AuditEvent, Delegation, Membership
from .services import delegation_create, membership_approve, membership_end, membership_grant


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
    """Read-only: the database refuses UPDATE and DELETE on this table anyway. Listed in id order (the log's
    order; within a chain that is its sequence), each event with its place in its chain ("123", "3·123")."""

    list_display = [
        "id",
        "position",
        "created_at",
        "verb",
        "subject_type",
        "subject_id",
        "actor",
        "role",
        "target_state",
    ]
    list_filter = ["verb", "subject_type", "chain"]
    search_fields = ["subject_id", "actor__username", "comment"]

    @admin.display(description=_("số thứ tự"))
    def position(self, event):
        return event.position


class AuditedAdmin(admin.ModelAdmin):
    """Configuration edited in the admin goes through the audited services (workflows.config): each save of
    the object or of an inline row records one event with before/after values; deletes are refused unless
    `allow_delete`. Administrators are recorded as "admin", not as a Board role they do not hold."""

    allow_delete = False

    def actor(self, request) -> Actor:
        return Actor(request.user, client_ip=client_ip(request))

    def save_service(self, obj, actor: Actor):
        return config_save(obj, actor=actor)

    def delete_service(self, obj, actor: Actor) -> None:
        config_delete(obj, actor=actor)

    def has_delete_permission(self, request, obj=None):
        return self.allow_delete and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            self.save_service(obj, self.actor(request))
        except ValidationError as exc:  # a rule the form does not know (a unit under its own child): refused
            raise PermissionDenied(" ".join(exc.messages)) from None

    def delete_model(self, request, obj):
        try:
            self.delete_service(obj, self.actor(request))
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        actor = self.actor(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            config_delete(obj, actor=actor)
        for obj in instances:
            config_save(obj, actor=actor)
        formset.save_m2m()


class ServiceOnlyAdmin(admin.ModelAdmin):
    """Created through the audited services; never edited or deleted in place."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ServiceOnlyAdmin):
    """A role proposed here goes through membership_grant: never to oneself, and a city-wide or council role
    waits for a second person's approval (the role-grant page, /vai-tro/)."""

    list_display = [
        "user",
        "role",
        "unit",
        "council_term",
        "valid_from",
        "valid_to",
        "approved_at",
        "ended_at",
    ]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name"]
    fields = ["user", "role", "unit", "council_term", "valid_from", "valid_to"]
    actions = ["approve", "end_now"]

    def save_model(self, request, obj, form, change):
        try:
            created = membership_grant(
                user=obj.user,
                role=obj.role,
                unit=obj.unit,
                council_term=obj.council_term,
                valid_from=obj.valid_from,
                valid_to=obj.valid_to,
                actor=Actor(request.user, client_ip=client_ip(request)),
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None
        obj.pk = created.pk

    def _each(self, request, queryset, service, done: str) -> None:
        actor = Actor(request.user, client_ip=client_ip(request))
        for membership in queryset:
            try:
                service(membership=membership, actor=actor)
            except (PermissionDenied, ValidationError, TransitionNotAllowed) as exc:
                self.message_user(
                    request, f"{membership}: {getattr(exc, 'message', None) or exc}", messages.ERROR
                )
            else:
                self.message_user(request, f"{membership}: {done}", messages.SUCCESS)

    @admin.action(description=_("Phê duyệt (người thứ hai)"))
    def approve(self, request, queryset):
        self._each(request, queryset, membership_approve, _("đã phê duyệt"))

    @admin.action(description=_("Kết thúc ngay"))
    def end_now(self, request, queryset):
        self._each(request, queryset, membership_end, _("đã kết thúc"))


@admin.register(Delegation)
class DelegationAdmin(ServiceOnlyAdmin):
    list_display = ["delegator", "delegate", "role", "valid_from", "valid_to"]

    def save_model(self, request, obj, form, change):
        try:
            created = delegation_create(
                delegator=obj.delegator,
                delegate=obj.delegate,
                role=obj.role,
                unit=obj.unit,
                council_term=obj.council_term,
                valid_from=obj.valid_from,
                valid_to=obj.valid_to,
                reason=obj.reason,
                actor=Actor(request.user, client_ip=client_ip(request)),
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None
        obj.pk = created.pk


class CouncilTermInline(admin.TabularInline):
    model = CouncilTerm
    extra = 0
    can_delete = False


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    """Units: created and changed through unit_create / unit_update (audited); never deleted here."""

    list_display = ["name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code"]

    def save_service(self, obj, actor):
        if obj.pk is None:
            return config_save(obj, actor=actor)
        values = {
            name: getattr(obj, name) for name in ["code", "name", "short_name", "kind", "parent", "is_active"]
        }
        return unit_update(unit=obj, actor=actor, **values)


@admin.register(Council)
class CouncilAdmin(AuditedAdmin):
    list_display = ["name", "kind", "unit"]
    inlines = [CouncilTermInline]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """API keys: only the digest's prefix is shown (the key itself is never stored); an administrator revokes."""

    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "prefix", "name"]
    fields = list_display
    actions = ["revoke"]

    @admin.action(description=_("Thu hồi các mã truy cập đã chọn"))
    def revoke(self, request, queryset):
        from .tokens import token_revoke

        for token in queryset:
            token_revoke(token=token)
        self.message_user(request, _("Đã thu hồi %(count)s mã truy cập.") % {"count": queryset.count()})
