"""Who may do what to dossiers, their nominee lines, nominees and declared histories (the permission layer,
workflows/policies.py, for this app).

Besides the roles, one object grant: a Board officer assigned to a dossier (chuyên viên được giao xử lý hồ sơ),
the guardian object permission `dossiers.handle_dossier`, given and taken by the Board head through
services.dossier_assign_officer (audited). While a dossier has an assigned officer, the Board officer's steps
on it and on its lines are that officer's (a Board head who also holds the Board officer role is not held back);
another Board officer is refused with the assignee's name. An unassigned dossier is any Board officer's.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.models import Role
from workflows.names import full_name
from workflows.policies import (
    BOARD_ROLES,
    UNIT_ROLES,
    Decision,
    allow,
    by_role,
    deny,
    policy,
    role_names,
    unit_ids_with,
)
from workflows.roles import Scope

#: The object grant of a Board officer assigned to handle one dossier.
HANDLE_DOSSIER = "dossiers.handle_dossier"
_HANDLE_CODENAME = "handle_dossier"

#: The refusal of a unit's own work (services.unit_actor said it before the layer).
_UNIT_REFUSAL = gettext_lazy("Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được lập, sửa hồ sơ của đơn vị.")


# -- a unit's own work -----------------------------------------------------------------------------------
def editing_unit_ids(user) -> set[int]:
    """The units whose dossiers and nominees `user` prepares today (as unit officer or head, or their
    delegate)."""
    return unit_ids_with(user, UNIT_ROLES)


@policy(
    roles=UNIT_ROLES,
    description="Lập, sửa hồ sơ, đối tượng, tài liệu và quá trình khen thưởng của một đơn vị (obj: đơn vị)",
)
def may_prepare_for_unit(user, unit) -> Decision:
    """A unit's officer or head (or their delegate) opens and edits the unit's dossiers, records its nominees,
    uploads the documents and declares the nominees' past titles; a role held city-wide is not a unit's."""
    unit_id = getattr(unit, "pk", unit)
    decision = by_role(user, UNIT_ROLES, Scope(unit_id=unit_id), reason=str(_UNIT_REFUSAL))
    if decision.allowed and decision.authority.unit_id is None:
        return deny(str(_UNIT_REFUSAL), roles=UNIT_ROLES)
    return decision


@policy(roles=UNIT_ROLES, description="Lập hồ sơ mới (cho một đơn vị mình phụ trách)")
def may_create_dossier(user, obj=None) -> Decision:
    if editing_unit_ids(user):
        return allow(roles=UNIT_ROLES)
    return deny(_("Chỉ cán bộ TĐKT hoặc thủ trưởng đơn vị được lập hồ sơ."), roles=UNIT_ROLES)


# -- the Board's work that is not a transition -------------------------------------------------------------
@policy(roles=BOARD_ROLES, description="Mở màn hình thẩm định hồ sơ")
def may_appraise_dossier(user, dossier=None) -> Decision:
    return by_role(user, BOARD_ROLES, None, reason=_("Chỉ Ban TĐKT thẩm định hồ sơ."))


@policy(roles=BOARD_ROLES, description="Xác nhận hoặc không xác nhận quá trình khen thưởng đơn vị khai báo")
def may_review_declared_history(user, record=None) -> Decision:
    return by_role(user, BOARD_ROLES, None, reason=_("Chỉ Ban TĐKT được xác nhận quá trình đơn vị khai báo."))


@policy(
    roles=BOARD_ROLES,
    description="Ghi, gỡ việc tạm dừng xét khen thưởng của một đối tượng (kỷ luật, thanh tra, khiếu nại, báo chí)",
)
def may_manage_holds(user, nominee=None) -> Decision:
    return by_role(
        user, BOARD_ROLES, None, reason=_("Chỉ Ban TĐKT được ghi hoặc gỡ việc tạm dừng xét khen thưởng.")
    )


@policy(
    roles=BOARD_ROLES,
    description="Ghi việc một cá nhân chuyển công tác sang đơn vị khác (quá trình công tác đi theo người)",
)
def may_transfer_nominee(user, nominee=None) -> Decision:
    """The Board records a transfer from the decision that made it (quyết định điều động, chuyển công tác):
    neither unit decides alone where a person's history (titles, ratings, initiatives, holds) belongs."""
    return by_role(
        user, BOARD_ROLES, None, reason=_("Chỉ Ban TĐKT được ghi việc chuyển công tác của một cá nhân.")
    )


@policy(roles=BOARD_ROLES, description="Thấy danh sách tiếp nhận và quá hạn trong trình đơn hồ sơ")
def may_open_board_queues(user, obj=None) -> Decision:
    return by_role(user, BOARD_ROLES, None, reason=_("Chỉ Ban Thi đua - Khen thưởng."))


@policy(
    roles=(Role.BOARD_HEAD,),
    grant=HANDLE_DOSSIER,
    description="Giao (giao lại, thôi giao) hồ sơ cho một chuyên viên Ban TĐKT xử lý",
)
def may_assign_officer(user, dossier=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_HEAD,),
        None,
        reason=_("Chỉ Trưởng Ban Thi đua - Khen thưởng được giao hồ sơ cho chuyên viên."),
    )


def is_board_officer(user) -> bool:
    """Does `user` hold the city-wide Board officer role today (who may be assigned a dossier)?"""
    return bool(by_role(user, (Role.BOARD_OFFICER,), None, city_only=True))


def board_officers():
    """The people who may be assigned a dossier today: active accounts holding the city-wide Board officer
    role (their own membership, not a delegation), by name."""
    from django.contrib.auth import get_user_model

    from workflows.models import Membership
    from workflows.roles import active_q

    memberships = Membership.objects.filter(active_q(timezone.localdate())).filter(
        role=Role.BOARD_OFFICER, unit__isnull=True, council_term__isnull=True
    )
    return (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user_id"), is_active=True)
        .order_by("last_name", "first_name", "pk")
    )


# -- the assigned officer (guardian object permission dossiers.handle_dossier) -------------------------------
def _grants(dossier_id=None):
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    from .models import Dossier

    grants = UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Dossier), permission__codename=_HANDLE_CODENAME
    )
    return grants if dossier_id is None else grants.filter(object_pk=str(dossier_id))


def assigned_officer(dossier):
    """The Board officer assigned to `dossier` (a Dossier or its id), or None; remembered on the instance."""
    if dossier is None:
        return None
    cache = dossier.__dict__ if hasattr(dossier, "__dict__") and hasattr(dossier, "pk") else None
    if cache is not None and "_assigned_officer" in cache:
        return cache["_assigned_officer"]
    from django.contrib.auth import get_user_model

    dossier_id = getattr(dossier, "pk", dossier)
    officer = (
        get_user_model()
        .objects.filter(pk__in=_grants(dossier_id).values("user_id"), is_active=True)
        .order_by("pk")
        .first()
    )
    if cache is not None:
        cache["_assigned_officer"] = officer
    return officer


#: Bumped by every change of an assignment, so the assignments remembered on a user object are read again.
_GENERATION = [0]


def forget_assignment(dossier) -> None:
    dossier.__dict__.pop("_assigned_officer", None)
    _GENERATION[0] += 1


def _open_assignments(user) -> dict[int, int]:
    """{dossier id: its assigned officer's id} for every dossier still under way, read once per user object
    (one query, whatever the number of dossiers a page asks about; the policies ask it for each step)."""
    cached = user.__dict__.get("_dossier_assignments")
    if cached is not None and cached[0] == _GENERATION[0]:
        return cached[1]
    from .models import Dossier
    from .models.dossier import FINAL_STATES

    under_way = (
        Dossier.objects.exclude(state__in=FINAL_STATES).annotate(key=Cast("pk", CharField())).values("key")
    )
    rows = _grants().filter(object_pk__in=under_way, user__is_active=True).values_list("object_pk", "user_id")
    mapping = {int(pk): user_id for pk, user_id in rows}
    user.__dict__["_dossier_assignments"] = (_GENERATION[0], mapping)
    return mapping


def assigned_officers(dossier_ids) -> dict[int, object]:
    """{dossier id: assigned officer} for many dossiers in one query (lists and the inbox)."""
    from django.contrib.auth import get_user_model

    rows = list(
        _grants().filter(object_pk__in=[str(pk) for pk in dossier_ids]).values_list("object_pk", "user_id")
    )
    users = get_user_model().objects.in_bulk({user_id for _pk, user_id in rows})
    return {int(pk): users[user_id] for pk, user_id in rows if user_id in users and users[user_id].is_active}


def _assigned_elsewhere_q(user) -> Q:
    """Dossiers assigned to someone other than `user` (as a filter, for the inbox)."""
    others = _grants().filter(object_pk=Cast(OuterRef("pk"), CharField())).exclude(user_id=user.pk)
    return Q(Exists(others))


def _assigned_to_q(user) -> Q:
    mine = _grants().filter(object_pk=Cast(OuterRef("pk"), CharField()), user_id=user.pk)
    return Q(Exists(mine))


def officer_inbox_filter(user) -> tuple[Q, Q] | None:
    """For the inbox: (the dossiers this user may handle as a Board officer, those assigned to them), as
    filters; None when the user is no Board officer today. A Board head who is also an officer handles all."""
    if not is_board_officer(user):
        return None
    if by_role(user, (Role.BOARD_HEAD,), None):
        return Q(), _assigned_to_q(user)
    return ~_assigned_elsewhere_q(user), _assigned_to_q(user)


def officers_to_notify(dossier) -> list:
    """Who hears that a Board officer's step waits on `dossier`: its assigned officer, or (unassigned) every
    Board officer who could act on it, as the engine's role rule would have named them."""
    officer = assigned_officer(dossier)
    if officer is not None:
        return [officer]
    from django.contrib.auth import get_user_model

    from workflows.models import Membership
    from workflows.roles import active_q

    in_scope = Q(unit__isnull=True, council_term__isnull=True) | Q(unit_id=dossier.unit_id)
    memberships = Membership.objects.filter(active_q(timezone.localdate())).filter(
        Q(role=Role.BOARD_OFFICER) & in_scope
    )
    return list(
        get_user_model().objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("pk")
    )


def _scope_of(obj) -> Scope | None:
    """The object's scope (its lifecycle's). In the check pass of a batch of lines (engine.perform_many), a
    line's scope is its dossier's unit and its own council term: the dossier is read for the first line of each
    (dossier, council term) and the answer reused for the others. The rows of the lines are locked, the
    dossier's is not, but a dossier's unit is set when it is created and never changed (no service writes it),
    so the later lines would read the same unit: the same answer as reading it for each line."""
    if obj is None:
        return None
    from workflows.conditions import pass_memo
    from workflows.lifecycle import lifecycle_for

    from .models import DossierNominee

    memo = pass_memo()
    if memo is None or not isinstance(obj, DossierNominee):
        return lifecycle_for(obj)(obj).scope()
    key = ("dossiers.line_scope", obj.dossier_id, obj.council_term_id)
    scope = memo.get(key)
    if scope is None:
        scope = memo[key] = lifecycle_for(obj)(obj).scope()
    return scope


def _dossier_id_of(obj) -> int:
    from .models import DossierNominee

    return obj.dossier_id if isinstance(obj, DossierNominee) else obj.pk


def _officer_step(user, obj, action) -> Decision:
    """A Board officer's step on a dossier (or one of its lines): the role in the object's scope, then the
    assignment. The refusal without the role is the engine's own wording for a role rule."""
    roles = (Role.BOARD_OFFICER,)
    decision = by_role(
        user,
        roles,
        _scope_of(obj),
        reason=_("Chỉ %(roles)s có thẩm quyền mới được thực hiện «%(action)s».")
        % {"roles": role_names(roles), "action": action},
    )
    if not decision.allowed or obj is None:
        return decision
    officer_id = _open_assignments(user).get(_dossier_id_of(obj))
    if officer_id is None or officer_id == user.pk:
        return decision
    if by_role(user, (Role.BOARD_HEAD,), None):
        return decision
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.filter(pk=officer_id).first()
    return deny(_("Hồ sơ này đã giao cho %(name)s xử lý.") % {"name": full_name(officer)}, roles=roles)


def _step_policy(name: str, action, description: str):
    """Declare the policy of one Board officer step (named for the table, worded with the step's label)."""

    def decide(user, obj=None, **context) -> Decision:
        return _officer_step(user, obj, action)

    decide.__name__ = decide.__qualname__ = name
    decide.__doc__ = description
    return policy(roles=(Role.BOARD_OFFICER,), grant=HANDLE_DOSSIER, description=description)(decide)


# The labels are the transitions' own (dossiers/lifecycle.py), so the refusal reads as the engine's did.
may_return_dossier = _step_policy(
    "may_return_dossier", gettext_lazy("Trả lại để bổ sung"), "Trả lại hồ sơ để đơn vị bổ sung"
)
may_accept_dossier = _step_policy("may_accept_dossier", gettext_lazy("Tiếp nhận"), "Tiếp nhận hồ sơ đã trình")
may_schedule_dossier = _step_policy(
    "may_schedule_dossier", gettext_lazy("Đưa ra hội đồng"), "Đưa các đối tượng được đề nghị ra hội đồng"
)
may_post_dossier = _step_policy(
    "may_post_dossier", gettext_lazy("Công khai"), "Công khai các đối tượng hội đồng thông qua"
)
may_forward_dossier = _step_policy(
    "may_forward_dossier", gettext_lazy("Trình Trung ương"), "Trình Trung ương các danh hiệu cấp Nhà nước"
)
may_close_dossier = _step_policy("may_close_dossier", gettext_lazy("Kết thúc hồ sơ"), "Kết thúc hồ sơ")
may_propose_nominee = _step_policy(
    "may_propose_nominee", gettext_lazy("Đề nghị trình hội đồng"), "Ý kiến thẩm định: đề nghị trình hội đồng"
)
may_not_propose_nominee = _step_policy(
    "may_not_propose_nominee", gettext_lazy("Không đề nghị"), "Ý kiến thẩm định: không đề nghị"
)
may_place_nominee_on_agenda = _step_policy(
    "may_place_nominee_on_agenda",
    gettext_lazy("Đưa vào chương trình họp"),
    "Đưa một đối tượng vào chương trình phiên họp hội đồng",
)
may_record_central_approval = _step_policy(
    "may_record_central_approval",
    gettext_lazy("Trung ương quyết định khen"),
    "Ghi nhận quyết định khen của cấp Trung ương",
)
may_record_central_rejection = _step_policy(
    "may_record_central_rejection",
    gettext_lazy("Trung ương không khen"),
    "Ghi nhận cấp Trung ương không khen",
)

#: The Board officer's steps, which follow the assignment (lifecycle transitions declare them).
OFFICER_STEPS = (
    may_return_dossier,
    may_accept_dossier,
    may_schedule_dossier,
    may_post_dossier,
    may_forward_dossier,
    may_close_dossier,
    may_propose_nominee,
    may_not_propose_nominee,
    may_place_nominee_on_agenda,
    may_record_central_approval,
    may_record_central_rejection,
)


# -- before the council and on the way to the central level (dossiers.notice, consultation, forwarding) -----
may_start_public_notice = _step_policy(
    "may_start_public_notice",
    gettext_lazy("Công khai trước khi họp hội đồng"),
    "Công khai các đối tượng phải lấy ý kiến nhân dân trước khi họp hội đồng",
)
may_answer_public_comment = _step_policy(
    "may_answer_public_comment",
    gettext_lazy("Trả lời ý kiến góp ý"),
    "Ghi câu trả lời của Ban cho một ý kiến góp ý công khai",
)
may_manage_consultation = _step_policy(
    "may_manage_consultation",
    gettext_lazy("Hiệp y"),
    "Gửi đề nghị hiệp y và ghi ý kiến trả lời của cơ quan được hỏi",
)


@policy(
    roles=(Role.BOARD_HEAD,),
    description="Vẫn trình Trung ương đối tượng bị cơ quan hiệp y phản đối (ghi rõ lý do)",
)
def may_override_consultation(user, consultation=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_HEAD,),
        None,
        reason=_(
            "Chỉ Trưởng Ban Thi đua - Khen thưởng được quyết định vẫn trình khi có ý kiến hiệp y phản đối."
        ),
    )


@policy(
    roles=(Role.BOARD_HEAD,),
    description="Miễn hiệp y một cơ quan bắt buộc cho một hồ sơ khi không liên quan đến đối tượng (ghi rõ lý do)",
)
def may_waive_consultation(user, dossier=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_HEAD,),
        None,
        reason=_("Chỉ Trưởng Ban Thi đua - Khen thưởng được miễn hiệp y một cơ quan cho hồ sơ."),
    )


#: Who reads the public notice's comments (with the commenters' contacts), the hiệp y and the package
#: forwarded to the central level: the Board, and the auditors, who read everything.
CENTRAL_STEP_READERS = (Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR)


@policy(
    roles=CENTRAL_STEP_READERS,
    description="Xem công khai trước hội đồng (cả ý kiến góp ý), hiệp y và tải hồ sơ (ZIP) đã trình Trung ương",
)
def may_read_central_steps(user, dossier=None) -> Decision:
    return by_role(
        user,
        CENTRAL_STEP_READERS,
        None,
        reason=_("Chỉ Ban TĐKT (hoặc kiểm tra viên) xem được công khai, hiệp y và hồ sơ trình Trung ương."),
    )


# -- the rules (rule versions and their awards; dossiers.rule_versions) -------------------------------------
@policy(
    roles=BOARD_ROLES,
    description="Sửa quy định khen thưởng: tạo phiên bản mới từ phiên bản có sẵn, sửa giá trị, đặt ngày hiệu lực",
)
def may_edit_rules(user, version=None) -> Decision:
    return by_role(
        user, BOARD_ROLES, None, reason=_("Chỉ Ban Thi đua - Khen thưởng được sửa quy định khen thưởng.")
    )


# -- a unit's own year-end round (dossiers.unit_round) -------------------------------------------------------
def unit_rounds_scope_q(user) -> Q | None:
    """List scoping of the units' own rounds: None when `user` reads everything (Board, auditors, the chairman);
    otherwise the rounds of the units where they hold a role today and those put to a council term they sit on
    (the unit's own council). Another unit's rounds do not exist for them (404)."""
    from workflows.policies import council_term_ids_of, may_read_everything
    from workflows.roles import authorities_of

    if may_read_everything(user):
        return None
    unit_ids = {authority.unit_id for authority in authorities_of(user) if authority.unit_id is not None}
    return Q(unit_id__in=unit_ids) | Q(session__council_term_id__in=council_term_ids_of(user))
