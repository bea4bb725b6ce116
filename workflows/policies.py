"""The permission layer: the one place that answers "may this user do this to that?".

Every question is a named policy, ``may_<verb>_<thing>(user, obj=None) -> Decision``: allowed or not, why not
(in Vietnamese, for the disabled button and the 403 body), and the authority (role, scope, delegator) the user
acts in, which the audit log records. The module that owns a thing declares its policies (workflows' own
below; each domain app's in its ``policies.py``, imported by its AppConfig.ready) with ``@policy``, so the
registry holds them all and ``manage.py policies`` prints the whole table (docs/permissions.md).

Who asks:
- the engine, for transitions: a transition's ``permission=allowed(roles)`` is this layer's ``by_role``
  primitive, and ``permission=<a policy>`` is asked as is;
- services, before every write that is not a transition: ``actor = require(may_x, actor, obj)`` raises
  PolicyDenied (HTTP 403, or 404 where existence must not leak) and returns the actor in the role decided here;
- selectors and the API, for reads and list scoping (``may_read_everything``, ``readable_unit_ids`` …);
- views, for the buttons they show: they pass ``decide_many(user, obj, may_x, may_y)`` to the template.

Nothing outside this layer (this module, the apps' ``policies.py`` and the role resolver workflows.roles) reads
roles to decide: tests/test_layers.py scans for it. A superuser is an IT administrator: they administer users,
role grants and configuration and read everything, and they hold no domain power (docs/security.md).

Object-level grants that memberships do not imply (a reviewer assigned to an initiative, a Board officer
assigned to a dossier, an outside expert invited to one session) are django-guardian object permissions, given
and taken only through ``grant`` / ``revoke`` (audited, called by the owning app's services after their own
policy allowed it) and read with ``has_grant``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import audit
from .models import Role
from .registry import lifecycle_for
from .roles import CITY, Authority, Scope, authorities_of, find_authority


# -- decisions ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """The answer to one question: allowed or not, why not, and in which authority the user acts."""

    allowed: bool
    reason: str = ""
    authority: Authority | None = None
    status: int = 200  # when refused: 403, or 404 where the object's existence must not be revealed
    #: the roles the question admits and the scope they were looked up in (None: anywhere), so that a caller
    #: who claims one of those roles (a Board head acting as such) is recorded in it when they hold it there
    roles: tuple[str, ...] = ()
    scope: Scope | None = field(default=None, compare=False)

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def role(self) -> str:
        return self.authority.role if self.authority else ""


def allow(authority: Authority | None = None, *, roles: tuple[str, ...] = (), scope: Scope | None = None):
    return Decision(True, "", authority, 200, roles, scope)


def deny(reason: str, *, status: int = 403, roles: tuple[str, ...] = ()) -> Decision:
    return Decision(False, str(reason), None, status, roles)


class PolicyDenied(PermissionDenied):
    """A policy refused; `message` says why, `status` is 403 (or 404: the object is not shown to this user)."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


class ActionForbidden(PolicyDenied):
    """The refusal of an action: the engine's for a transition, require()'s for a service's write. Views and
    the API catch this one type (workflows.engine re-exports it)."""


# -- the registry -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Policy:
    """A named question. `roles` and `grant` describe who it admits, for the printed table; `func` decides."""

    name: str
    func: Callable[..., Decision]
    module: str
    roles: tuple[str, ...] = ()
    grant: str = ""
    description: str = ""

    def __call__(self, user, obj=None, **context) -> Decision:
        if user is None or not getattr(user, "is_authenticated", False):
            return deny(_("Bạn cần đăng nhập."), status=403)
        return self.func(user, obj, **context)


REGISTRY: dict[str, Policy] = {}


def policy(*, roles: Iterable[str] = (), grant: str = "", description: str = ""):
    """Declare `may_<verb>_<thing>(user, obj, **context) -> Decision` as a policy of the layer."""

    def register(func: Callable[..., Decision]) -> Policy:
        name = func.__name__
        if not name.startswith("may_"):
            raise ValueError(f"a policy's name starts with may_: {name}")
        if name in REGISTRY and REGISTRY[name].module != func.__module__:
            raise ValueError(f"policy {name} is declared twice ({REGISTRY[name].module}, {func.__module__})")
        entry = Policy(
            name=name,
            func=func,
            module=func.__module__,
            roles=tuple(roles),
            grant=grant,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
        )
        REGISTRY[name] = entry
        return entry

    return register


def decide(name_or_policy: str | Policy, user, obj=None, **context) -> Decision:
    entry = REGISTRY[name_or_policy] if isinstance(name_or_policy, str) else name_or_policy
    return entry(user, obj, **context)


def decide_many(user, obj, *policies: Policy, **context) -> dict[str, Decision]:
    """{policy name without "may_": Decision} for a template: `{% if may.edit_dossier %}` and its `.reason`."""
    return {entry.name.removeprefix("may_"): entry(user, obj, **context) for entry in policies}


def require(entry: Policy, actor: audit.Actor | object, obj=None, **context) -> audit.Actor:
    """Ask `entry` for the actor's user; refuse with PolicyDenied, or return the actor as the audit log must
    record them: in the role decided here (the claimed one when it is among the admitted roles and held in the
    scope; never a role the user does not hold), on behalf of their delegator when they act by delegation."""
    if not isinstance(actor, audit.Actor):
        actor = audit.Actor(actor)
    if actor.user is None:  # the system itself (migrations of data, scheduled jobs): not a person's decision
        return actor
    decision = entry(actor.user, obj, **context)
    if not decision.allowed:
        raise ActionForbidden(
            decision.reason or _("Bạn không có quyền thực hiện thao tác này."), decision.status
        )
    authority = decision.authority
    claimed = actor.role
    if authority is not None and claimed and claimed != authority.role and claimed in decision.roles:
        claimed_authority = _claimed_authority(actor.user, claimed, decision.scope)
        if claimed_authority is not None:
            authority = claimed_authority
    if authority is None:
        return audit.Actor(actor.user, role="", on_behalf_of=actor.on_behalf_of, client_ip=actor.client_ip)
    on_behalf_of = actor.on_behalf_of
    if authority.on_behalf_of_id is not None:
        from django.contrib.auth import get_user_model

        on_behalf_of = get_user_model()(pk=authority.on_behalf_of_id)
    return audit.Actor(actor.user, role=authority.role, on_behalf_of=on_behalf_of, client_ip=actor.client_ip)


def _claimed_authority(user, role: str, scope: Scope | None) -> Authority | None:
    if scope is None:
        return next((a for a in authorities_of(user) if a.role == role), None)
    return find_authority(user, (role,), scope)


# -- primitives the policies are written with ------------------------------------------------------------
def role_names(roles: Iterable[str]) -> str:
    return ", ".join(str(Role(role).label) for role in roles)


def by_role(
    user,
    roles: Iterable[str],
    scope: Scope | None = CITY,
    *,
    reason: str = "",
    city_only: bool = False,
    status: int = 403,
    day: date | None = None,
) -> Decision:
    """Allowed when `user` holds one of `roles` today covering `scope` (None: anywhere; CITY: a city-wide
    role). `city_only` refuses a unit- or council-scoped grant even if it would cover the scope."""
    roles = tuple(roles)
    if scope is None:
        authority = next((a for a in authorities_of(user, day) if a.role in roles), None)
    else:
        authority = find_authority(user, roles, scope, day)
    if authority is not None and city_only and (authority.unit_id or authority.council_term_id):
        authority = None
    if authority is None:
        return deny(
            reason
            or _("Chỉ %(roles)s có thẩm quyền mới được thực hiện thao tác này.")
            % {"roles": role_names(roles)},
            status=status,
            roles=roles,
        )
    return allow(authority, roles=roles, scope=scope)


def held_roles(user, day: date | None = None) -> set[str]:
    return {authority.role for authority in authorities_of(user, day)}


def unit_ids_with(user, roles: Iterable[str]) -> set[int]:
    """The units in which `user` holds one of `roles` today (for list scoping)."""
    wanted = set(roles)
    return {a.unit_id for a in authorities_of(user) if a.unit_id is not None and a.role in wanted}


def council_term_ids_of(user) -> set[int]:
    """The council terms `user` sits on today (any council role)."""
    return {a.council_term_id for a in authorities_of(user) if a.council_term_id is not None}


def is_administrator(user) -> bool:
    """An IT administrator (Django superuser): users, role grants and configuration; no domain power."""
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


# -- object-level grants (django-guardian) ---------------------------------------------------------------
def _permission(codename: str, obj):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    app_label, _dot, name = codename.rpartition(".")
    content_type = ContentType.objects.get_for_model(type(obj))
    if app_label and app_label != content_type.app_label:
        raise ValueError(f"{codename} is not a permission of {content_type.app_label}.{content_type.model}")
    return Permission.objects.get(content_type=content_type, codename=name)


def has_grant(user, codename: str, obj) -> bool:
    """Does `user` hold the object grant `codename` ("app.codename") on `obj`? Read straight from guardian's
    table: guardian's own checker would answer yes for any superuser, and a superuser holds no domain power."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    cache = user.__dict__.setdefault("_object_grants", {})
    content_type = ContentType.objects.get_for_model(type(obj))
    key = (content_type.pk, str(obj.pk))
    if key not in cache:
        cache[key] = {
            f"{content_type.app_label}.{name}"
            for name in UserObjectPermission.objects.filter(
                user=user, content_type=content_type, object_pk=str(obj.pk)
            ).values_list("permission__codename", flat=True)
        }
    app_label = codename.partition(".")[0] if "." in codename else content_type.app_label
    name = codename.rpartition(".")[2]
    return f"{app_label}.{name}" in cache[key]


def grantees(codename: str, obj):
    """The users holding the object grant `codename` on `obj` (active accounts only)."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    content_type = ContentType.objects.get_for_model(type(obj))
    user_ids = UserObjectPermission.objects.filter(
        content_type=content_type, object_pk=str(obj.pk), permission__codename=codename.rpartition(".")[2]
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True)


def grant(user, codename: str, obj, *, actor: audit.Actor, subject=None, data: dict | None = None) -> bool:
    """Give `user` the object grant `codename` on `obj`; audited as `permission_granted` on `subject` (default
    `obj`). Call it only from a service that has asked its own policy first. Returns False if already held."""
    from django.db import transaction
    from guardian.models import UserObjectPermission

    permission = _permission(codename, obj)
    with transaction.atomic():
        _row, created = UserObjectPermission.objects.get_or_create(
            user=user, permission=permission, content_type=permission.content_type, object_pk=str(obj.pk)
        )
        if created:
            audit.record(
                subject=subject or obj,
                actor=actor,
                verb="permission_granted",
                data={"user": user.username, "permission": codename, **(data or {})},
            )
    user.__dict__.pop("_object_grants", None)
    return created


def revoke(user, codename: str, obj, *, actor: audit.Actor, subject=None, data: dict | None = None) -> bool:
    """Take the object grant back; audited as `permission_revoked`. Returns False if it was not held."""
    from django.db import transaction
    from guardian.models import UserObjectPermission

    permission = _permission(codename, obj)
    with transaction.atomic():
        deleted, _rows = UserObjectPermission.objects.filter(
            user=user, permission=permission, content_type=permission.content_type, object_pk=str(obj.pk)
        ).delete()
        if deleted:
            audit.record(
                subject=subject or obj,
                actor=actor,
                verb="permission_revoked",
                data={"user": user.username, "permission": codename, **(data or {})},
            )
    user.__dict__.pop("_object_grants", None)
    return bool(deleted)


# -- workflows' own policies ------------------------------------------------------------------------------
READ_EVERYTHING_ROLES = (Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR, Role.CITY_CHAIRMAN)
BOARD_ROLES = (Role.BOARD_OFFICER, Role.BOARD_HEAD)
UNIT_ROLES = (Role.UNIT_OFFICER, Role.UNIT_HEAD)


@policy(roles=READ_EVERYTHING_ROLES, description="Đọc mọi hồ sơ, phiên họp, đợt xét và lịch sử của chúng")
def may_read_everything(user, obj=None) -> Decision:
    """The Board, the auditor and the city chairman read every object and its history; so does an
    administrator (reading is not a domain decision)."""
    if is_administrator(user):
        return allow(roles=READ_EVERYTHING_ROLES)
    return by_role(
        user, READ_EVERYTHING_ROLES, None, reason=_("Chỉ Ban TĐKT, kiểm tra viên và Chủ tịch UBND.")
    )


@policy(roles=BOARD_ROLES, description="Làm việc với tư cách Ban TĐKT (ở bất kỳ phạm vi nào)")
def may_act_for_board(user, obj=None) -> Decision:
    """The Board's own work that is not a transition of one object (drafting, assigning, reviewing lists)."""
    return by_role(
        user, BOARD_ROLES, None, reason=_("Chỉ Ban Thi đua - Khen thưởng được thực hiện thao tác này.")
    )


@policy(roles=(Role.BOARD_HEAD,), description="Việc chỉ Trưởng Ban TĐKT làm")
def may_act_as_board_head(user, obj=None) -> Decision:
    return by_role(user, (Role.BOARD_HEAD,), None, reason=_("Chỉ Trưởng Ban Thi đua - Khen thưởng."))


@policy(roles=UNIT_ROLES, description="Lập và gửi hồ sơ của một đơn vị (obj: đơn vị)")
def may_submit_for_unit(user, unit) -> Decision:
    """A unit's officer or head (or their delegate) prepares and sends the unit's papers."""
    return by_role(
        user,
        UNIT_ROLES,
        Scope(unit_id=getattr(unit, "pk", unit)),
        reason=_("Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị này."),
    )


@policy(roles=READ_EVERYTHING_ROLES, description="Xem một đơn vị (obj: đơn vị)")
def may_view_unit(user, unit) -> Decision:
    """Board, auditors and the chairman see every unit; others the units they hold a role in today."""
    if may_read_everything(user):
        return allow()
    unit_id = getattr(unit, "pk", unit)
    if any(a.unit_id == unit_id for a in authorities_of(user)):
        return allow()
    return deny(_("Bạn không có vai trò ở đơn vị này."), status=404)


@policy(roles=READ_EVERYTHING_ROLES, description="Xem các phiên của một nhiệm kỳ hội đồng (obj: nhiệm kỳ)")
def may_view_council_term(user, term) -> Decision:
    """A council member sees the sessions of the terms they sit on (while their membership lasts)."""
    if may_read_everything(user):
        return allow()
    if getattr(term, "pk", term) in council_term_ids_of(user):
        return allow()
    return deny(_("Bạn không là thành viên của hội đồng này."), status=404)


@policy(roles=READ_EVERYTHING_ROLES, description="Xem địa chỉ IP của người thực hiện trong lịch sử")
def may_read_client_ips(user, subject=None) -> Decision:
    """The Board, auditors and the city chairman see from where each step was taken; a unit reading its own
    dossier's history sees who acted and why, not the Board officers' addresses (personal data they need not
    read)."""
    return may_read_everything(user)


@policy(roles=READ_EVERYTHING_ROLES, description="Đọc lịch sử (nhật ký) của một đối tượng")
def may_read_history(user, subject=None) -> Decision:
    """The Board, auditors and the city chairman; a unit (its officers and head, or their delegates) also reads
    the history of its own objects whose lifecycle says so (`unit_reads_history`, e.g. a dossier: why it was
    returned, who acted). Another unit's: never."""
    if may_read_everything(user):
        return allow()
    refused = deny(_("Chỉ Ban TĐKT, kiểm tra viên và Chủ tịch UBND xem được lịch sử này."))
    if subject is None:
        return refused
    try:
        flow = lifecycle_for(subject)(subject)
    except LookupError:
        return refused
    unit_id = flow.scope().unit_id if getattr(flow, "unit_reads_history", False) else None
    if unit_id is not None and unit_id in unit_ids_with(user, UNIT_ROLES):
        return allow()
    return refused


@policy(roles=READ_EVERYTHING_ROLES, description="Xem một đối tượng có vòng đời (hồ sơ, phiên họp, đợt xét…)")
def may_view_object(user, obj) -> Decision:
    """The default read rule of an object with a lifecycle: the Board, auditors and the chairman see all; others
    see objects in a scope where they hold any role. A lifecycle may state its own rule as `can_view(user)`."""
    try:
        flow = lifecycle_for(obj)(obj)
    except LookupError:  # not an object with a lifecycle (or none at all): nothing to see here
        return deny(_("Không tìm thấy."), status=404)
    custom = getattr(flow, "can_view", None)
    if custom is not None:
        return allow() if custom(user) else deny(_("Không tìm thấy."), status=404)
    if may_read_everything(user):
        return allow()
    scope = flow.scope()
    if any(
        (a.unit_id is not None and a.unit_id == scope.unit_id)
        or (a.council_term_id is not None and a.council_term_id == scope.council_term_id)
        for a in authorities_of(user)
    ):
        return allow()
    return deny(_("Không tìm thấy."), status=404)


@policy(roles=(Role.AUDITOR, Role.BOARD_HEAD), description="Kiểm tra chuỗi nhật ký kiểm toán")
def may_verify_audit(user, obj=None) -> Decision:
    if is_administrator(user):
        return allow()
    return by_role(
        user, (Role.AUDITOR, Role.BOARD_HEAD), None, reason=_("Chỉ kiểm tra viên và Trưởng Ban TĐKT.")
    )


@policy(roles=(Role.BOARD_HEAD,), description="Sửa cấu hình (danh hiệu, quy tắc, lịch nghỉ…)")
def may_change_configuration(user, obj=None) -> Decision:
    """Configuration is the Board head's or an administrator's; every change is audited (workflows.config)."""
    if is_administrator(user):
        return allow(Authority(role="admin", unit_id=None, council_term_id=None))
    return by_role(user, (Role.BOARD_HEAD,), None, reason=_("Chỉ Trưởng Ban TĐKT hoặc quản trị viên."))


#: the menu's API link: the Board (who script imports and exports) and auditors (who check the history and the
#: chain through the API); a unit, a council member or the chairman works in the pages (tests/workflows/test_api_menu)
API_ROLES = (Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR)


@policy(roles=API_ROLES, description="Thấy mục API trong trình đơn")
def may_use_api_docs(user, obj=None) -> Decision:
    if is_administrator(user):
        return allow()
    return by_role(user, API_ROLES, None)


#: who reads every role grant: the Board (who grants them) and auditors (who check them), as administrators do
MEMBERSHIP_READER_ROLES = (*BOARD_ROLES, Role.AUDITOR)


@policy(roles=MEMBERSHIP_READER_ROLES, description="Xem mọi vai trò được giao (ai giữ vai trò gì, ở đâu)")
def may_read_all_memberships(user, obj=None) -> Decision:
    """The Board and auditors read every membership; anyone else reads only what their role needs
    (readable_memberships): their own, their unit's (a unit role held today) and their council term's (a council
    role held today)."""
    if is_administrator(user):
        return allow(roles=MEMBERSHIP_READER_ROLES)
    return by_role(
        user,
        MEMBERSHIP_READER_ROLES,
        None,
        reason=_("Chỉ Ban TĐKT và kiểm tra viên xem được mọi vai trò được giao."),
    )


@dataclass(frozen=True)
class MembershipScope:
    """Whose memberships a user who does not read them all may list: theirs, those of the units where they hold
    a unit role today, those of the council terms they sit on today."""

    user_id: int
    unit_ids: frozenset[int]
    council_term_ids: frozenset[int]


def readable_memberships(user) -> MembershipScope | None:
    """List scoping of memberships: None when `user` reads them all (may_read_all_memberships)."""
    if may_read_all_memberships(user):
        return None
    return MembershipScope(
        user_id=user.pk,
        unit_ids=frozenset(unit_ids_with(user, UNIT_ROLES)),
        council_term_ids=frozenset(council_term_ids_of(user)),
    )


def readable_unit_ids(user, roles: Iterable[str] = UNIT_ROLES) -> set[int] | None:
    """List scoping: None when `user` reads everything, else the units whose objects they may list."""
    if may_read_everything(user):
        return None
    return unit_ids_with(user, roles)


__all__ = [
    "Decision",
    "Policy",
    "PolicyDenied",
    "REGISTRY",
    "allow",
    "by_role",
    "decide",
    "decide_many",
    "deny",
    "grant",
    "grantees",
    "has_grant",
    "policy",
    "require",
    "revoke",
]


class PolicyDeniedMiddleware:
    """On the web, a refusal whose status is 404 (the object is not this user's to know of) answers the 404
    page, as a missing object would; other refusals stay 403 with their reason (templates/403.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PolicyDenied) and exception.status == 404:
            from django.http import Http404

            raise Http404(exception.message)
        return None


# -- what a user holds, for display and for the engine's lists ---------------------------------------------
def authorities_for_display(user) -> list[Authority]:
    """The authorities `user` holds today (own, then delegated), for showing "your roles" on a page and for the
    inbox providers that scope their lists by them; not a decision (ask a policy for that)."""
    return list(authorities_of(user))


def role_labels(user) -> list[str]:
    """The names of the roles `user` holds today, sorted, for the header."""
    return sorted(str(Role(role).label) for role in held_roles(user))


def admitted_authorities(user, roles: Iterable[str], *, city_only: bool = False) -> list[Authority]:
    """The authorities through which `user` is admitted by a rule of `roles` (a transition's RoleRule), in any
    scope; `city_only` keeps city-wide grants only. The inbox asks it which scopes to list."""
    wanted = set(roles)
    return [
        authority
        for authority in authorities_of(user)
        if authority.role in wanted and not (city_only and (authority.unit_id or authority.council_term_id))
    ]


@policy(
    roles=(Role.AUDITOR,), description="Chỉ được xem, không được ghi (kiểm tra viên không giữ vai trò khác)"
)
def may_only_read(user, obj=None) -> Decision:
    """An auditor who holds no other role today only reads: every write is refused before any view runs
    (project.middleware.AuditorReadOnlyMiddleware). An administrator is not read-only."""
    if is_administrator(user):
        return deny(_("Quản trị viên không bị giới hạn chỉ xem."))
    if held_roles(user) == {Role.AUDITOR}:
        return allow(roles=(Role.AUDITOR,))
    return deny(_("Người dùng này không chỉ có vai trò kiểm tra viên."))


# -- role grants (user administration: workflows.services, the role-grant page and the admin) ----------------
ADMIN_AUTHORITY = Authority(role="admin", unit_id=None, council_term_id=None)


def _board_grant_authority(user) -> Authority | None:
    """The Board role (head before officer) a user acts in when proposing or approving grants; None if none."""
    for role in (Role.BOARD_HEAD, Role.BOARD_OFFICER):
        decision = by_role(user, (role,), None)
        if decision:
            return decision.authority
    return None


def _grant_authority(user) -> Authority | None:
    """As recorded on a role-grant event: the Board role held, else "admin" for an administrator."""
    return _board_grant_authority(user) or (ADMIN_AUTHORITY if is_administrator(user) else None)


@policy(roles=BOARD_ROLES, description="Mở trang giao vai trò (Ban TĐKT hoặc quản trị viên)")
def may_manage_roles(user, obj=None) -> Decision:
    """The Board head and Board officers (and administrators: user administration) see the role-grant page."""
    authority = _grant_authority(user)
    if authority is None:
        return deny(_("Chỉ Ban TĐKT được quản lý việc giao vai trò."))
    return allow(authority)


@policy(roles=BOARD_ROLES, description="Đề xuất giao một vai trò (obj: mã vai trò)")
def may_manage_grant_proposal(user, role=None) -> Decision:
    """Unit roles: the Board head (or an administrator) grants them. City-wide and council roles: the Board head
    or a Board officer (or an administrator) proposes them; a second person approves."""
    from .models import APPROVAL_ROLES

    board = _board_grant_authority(user)
    if board is not None and (role in APPROVAL_ROLES or board.role == Role.BOARD_HEAD):
        return allow(board)
    if is_administrator(user):
        return allow(board or ADMIN_AUTHORITY)
    return deny(_("Bạn không có quyền giao vai trò này."))


@policy(
    roles=BOARD_ROLES,
    description="Phê duyệt một đề xuất giao vai trò (người thứ hai; obj: vai trò chờ duyệt)",
)
def may_manage_grant_approval(user, membership=None) -> Decision:
    """A second person approves: a Board head, Board officer or administrator who is neither the grantee nor the
    proposer."""
    if membership is not None and user.pk == membership.user_id:
        return deny(_("Không ai được tự phê duyệt vai trò của chính mình."))
    if membership is not None and user.pk == membership.proposed_by_id:
        return deny(_("Người đề xuất không được tự phê duyệt; cần một người thứ hai."))
    authority = _grant_authority(user)
    if authority is None:
        return deny(_("Chỉ Ban TĐKT được phê duyệt việc giao vai trò."))
    return allow(authority)


@policy(roles=BOARD_ROLES, description="Từ chối (hoặc người đề xuất rút lại) một đề xuất giao vai trò")
def may_manage_grant_rejection(user, membership=None) -> Decision:
    """The proposer withdraws their own proposal; otherwise whoever may approve it refuses it."""
    if membership is not None and user.pk == membership.proposed_by_id:
        return allow(_grant_authority(user))
    if membership is not None and may_manage_grant_approval(user, membership):
        return allow(_grant_authority(user))
    return deny(_("Chỉ Ban TĐKT được từ chối việc giao vai trò."))


@policy(roles=(Role.BOARD_HEAD,), description="Kết thúc một vai trò đang hiệu lực")
def may_manage_membership_end(user, membership=None) -> Decision:
    """The Board head (or an administrator) ends memberships."""
    head = by_role(user, (Role.BOARD_HEAD,), None)
    if head:
        return allow(head.authority)
    if is_administrator(user):
        return allow(_grant_authority(user))
    return deny(_("Chỉ Trưởng Ban TĐKT được kết thúc vai trò."))


@policy(
    roles=(Role.BOARD_HEAD,),
    description="Tạo ủy quyền (người giữ vai trò, hoặc Trưởng Ban TĐKT; obj: người ủy quyền)",
)
def may_manage_delegation(user, delegator=None) -> Decision:
    """The holder of a role delegates it; the Board head (or an administrator) may set a delegation up for them."""
    if delegator is not None and user.pk == getattr(delegator, "pk", delegator):
        return allow()
    ending = may_manage_membership_end(user)
    if ending:
        return ending
    return deny(_("Chỉ người giữ vai trò hoặc Trưởng Ban TĐKT được tạo ủy quyền."))
