"""The councils app's questions to the permission layer (workflows/policies.py): who sees a session, plans one,
puts matters on its agenda, records attendance and written votes, decides a written vote, declares a recusal,
votes, follows the turnout, closes the voting, reads its documents and invites an outside expert.

Roles are read here and nowhere else in councils/. Transitions (convene, open, close, sign…) are the engine's
role rules in lifecycle.py; these are the writes and reads that are not transitions.

The one grant that memberships do not imply is the outside expert invited to one session (chuyên gia được mời
dự một phiên họp): `councils.attend_session`, a django-guardian object permission on the session, given by
services.session_invite_expert and taken back by services.session_uninvite_expert (workflows.policies.grant /
revoke, audited on the session as permission_granted / permission_revoked). The expert sees that session's page,
its agenda and, once the voting is closed, its minutes and tally (as a member does: they sat in the meeting when
the results were announced); they never vote, are not counted in the quorum or the attendance (the roster is
the term's memberships), do not see the written votes, the turnout or the history, and see nothing of any other
session (404). The grant stays after the session ends, so the expert can still read what they took part in.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import Membership, Role
from workflows.policies import (
    BOARD_ROLES,
    READ_EVERYTHING_ROLES,
    UNIT_ROLES,
    Decision,
    allow,
    by_role,
    council_term_ids_of,
    deny,
    has_grant,
    is_administrator,
    may_read_everything,
    policy,
    require,  # noqa: F401  (the services take it from here)
)
from workflows.roles import Scope, active_q, authorities_of

from . import selectors
from .models import Session, SessionState

#: The object grant of an outside expert invited to one session (Session.Meta.permissions).
EXPERT_GRANT = "councils.attend_session"

SECRETARY = Role.COUNCIL_SECRETARY
CHAIRS = (Role.COUNCIL_CHAIR, Role.COUNCIL_VICE_CHAIR)
COUNCIL_ROLES = (*selectors.VOTING_ROLES, SECRETARY)
#: Who decides a written vote, as the second person: another secretary of the term or the Board.
WRITTEN_VOTE_CONFIRMERS = (SECRETARY, *BOARD_ROLES)
#: The states in which a session's minutes and tally exist (the voting is closed).
RESULT_STATES = (
    SessionState.VOTING_CLOSED,
    SessionState.MINUTES_DRAFTED,
    SessionState.MINUTES_SIGNED,
    SessionState.RESOLUTION_ISSUED,
)
#: Users offered in the invitation form's list at most (anyone else is invited by username).
CANDIDATE_LIMIT = 300


def _scope(session_or_term) -> Scope:
    """The council term a session (or agenda item, written vote, term) belongs to, as a role scope."""
    if isinstance(session_or_term, Session):
        return Scope(council_term_id=session_or_term.council_term_id)
    if hasattr(session_or_term, "session"):
        return Scope(council_term_id=session_or_term.session.council_term_id)
    return Scope(council_term_id=getattr(session_or_term, "pk", session_or_term))


def _session_of(obj) -> Session:
    return obj if isinstance(obj, Session) else obj.session


# -- seeing a session ---------------------------------------------------------------------------------------
@policy(grant=EXPERT_GRANT, description="Dự một phiên họp với tư cách chuyên gia được mời (obj: phiên họp)")
def may_attend_as_expert(user, session) -> Decision:
    """An outside expert invited to this session (the object grant); no vote, no seat."""
    if has_grant(user, EXPERT_GRANT, _session_of(session)):
        return allow()
    return deny(_("Bạn không được mời dự phiên họp này."), status=404)


@policy(
    roles=(*READ_EVERYTHING_ROLES, *COUNCIL_ROLES),
    grant=EXPERT_GRANT,
    description="Xem một phiên họp, chương trình họp và văn bản của phiên (obj: phiên họp)",
)
def may_view_session(user, session) -> Decision:
    """The Board, auditors and the chairman see every session; council people the sessions of the terms they
    sit on (while their membership lasts); an invited expert the one session they were invited to. Others:
    the session does not exist for them (404)."""
    session = _session_of(session)
    if may_read_everything(user):
        return allow()
    if session.council_term_id in council_term_ids_of(user):
        return allow()
    if has_grant(user, EXPERT_GRANT, session):
        return allow()
    return deny(_("Bạn không có quyền xem phiên họp này."), status=404)


def visible_sessions_q(user) -> Q | None:
    """List scoping: None when `user` sees every session, else the filter of the sessions they may see (the
    terms they sit on, the sessions they were invited to as an expert)."""
    if may_read_everything(user):
        return None
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    invited = UserObjectPermission.objects.filter(
        user_id=getattr(user, "pk", None),
        content_type=ContentType.objects.get_for_model(Session),
        permission__codename=EXPERT_GRANT.rpartition(".")[2],
    ).values_list("object_pk", flat=True)
    invited_ids = [int(pk) for pk in invited if str(pk).isdigit()]
    return Q(council_term_id__in=council_term_ids_of(user)) | Q(pk__in=invited_ids)


@policy(
    roles=(*READ_EVERYTHING_ROLES, *COUNCIL_ROLES),
    grant=EXPERT_GRANT,
    description="Đọc biên bản họp và biên bản kiểm phiếu (PDF) khi đã kết thúc bỏ phiếu (obj: phiên họp)",
)
def may_read_session_documents(user, session) -> Decision:
    """Whoever sees the session (an invited expert too) reads its minutes and tally once the voting is closed."""
    seen = may_view_session(user, session)
    if not seen:
        return seen
    if _session_of(session).state not in RESULT_STATES:
        return deny(_("Biên bản chỉ có sau khi kết thúc bỏ phiếu."), status=404)
    return seen


# -- planning and the agenda -----------------------------------------------------------------------------------
def _own_unit_council(session_or_term):
    """The unit whose own emulation council (kind «unit») the session or term belongs to, or None."""
    from organisations.models import CouncilKind, CouncilTerm

    if session_or_term is None:
        return None
    term_id = _scope(session_or_term).council_term_id
    return (
        CouncilTerm.objects.filter(pk=term_id, council__kind=CouncilKind.UNIT)
        .values_list("council__unit_id", flat=True)
        .first()
    )


def _own_unit_role(user, unit_id: int) -> Decision | None:
    """The user's unit officer or head role in that very unit (a unit role held city-wide is not a unit's)."""
    decision = by_role(user, UNIT_ROLES, Scope(unit_id=unit_id))
    return decision if decision and decision.authority.unit_id == unit_id else None


@policy(
    roles=(*BOARD_ROLES, SECRETARY, *UNIT_ROLES),
    description="Lập phiên họp hội đồng (obj: nhiệm kỳ hội đồng, hoặc không có); hội đồng của đơn vị: thư ký "
    "của hội đồng, cán bộ TĐKT hoặc thủ trưởng đơn vị",
)
def may_create_session(user, council_term=None) -> Decision:
    """The Board plans any council's sessions; a unit's own council (kind «unit») is also planned by its
    secretary and by the unit's officer or head (Luật TĐKT 2022 Đ.80: the unit decides its own awards)."""
    unit_id = _own_unit_council(council_term)
    if unit_id is not None:
        secretary = by_role(user, (SECRETARY,), _scope(council_term))
        if secretary:
            return secretary
        if own := _own_unit_role(user, unit_id):
            return own
    return by_role(
        user,
        BOARD_ROLES,
        None if council_term is None else _scope(council_term),
        reason=_("Chỉ Ban TĐKT được lập phiên họp hội đồng."),
    )


@policy(
    roles=(SECRETARY, *BOARD_ROLES, *UNIT_ROLES),
    description="Thêm mục vào chương trình họp (obj: phiên họp); hội đồng của đơn vị: cả cán bộ TĐKT, thủ "
    "trưởng đơn vị",
)
def may_edit_agenda(user, session) -> Decision:
    """The secretary or the Board; for a unit's own council, the unit's officer or head too (they put the unit's
    round on it)."""
    unit_id = _own_unit_council(session)
    if unit_id is not None and (own := _own_unit_role(user, unit_id)):
        return own
    return by_role(
        user,
        (SECRETARY, *BOARD_ROLES),
        _scope(session),
        reason=_("Chỉ thư ký hội đồng hoặc Ban TĐKT được thêm mục vào chương trình họp."),
    )


# -- the secretary's record: attendance, written votes --------------------------------------------------------
@policy(roles=(SECRETARY,), description="Điểm danh thành viên của phiên họp (obj: phiên họp)")
def may_record_attendance(user, session) -> Decision:
    return by_role(user, (SECRETARY,), _scope(session), reason=_("Chỉ thư ký hội đồng được điểm danh."))


@policy(roles=(SECRETARY,), description="Nhận phiếu bằng văn bản của thành viên vắng mặt (obj: phiên họp)")
def may_record_written_vote(user, session) -> Decision:
    return by_role(
        user, (SECRETARY,), _scope(session), reason=_("Chỉ thư ký hội đồng được nhận phiếu bằng văn bản.")
    )


@policy(
    roles=WRITTEN_VOTE_CONFIRMERS,
    description="Xem, xác nhận hoặc trả lại phiếu bằng văn bản, với tư cách người thứ hai (obj: phiếu)",
)
def may_decide_written_vote(user, vote, verb: str = "") -> Decision:
    """A second person: another secretary of the term or a Board officer or head, never the one who recorded the
    vote nor the member themselves. `verb` names the act in the refusal (xem, xác nhận, trả lại)."""
    decision = by_role(
        user,
        WRITTEN_VOTE_CONFIRMERS,
        _scope(vote),
        reason=_(
            "Chỉ thư ký hội đồng hoặc cán bộ Ban Thi đua - Khen thưởng được %(verb)s phiếu bằng văn bản."
        )
        % {"verb": verb or _("xác nhận")},
    )
    if not decision:
        return decision
    if user.pk == vote.recorded_by_id:
        return deny(_("Người xác nhận phải khác người đã ghi nhận phiếu bằng văn bản."))
    if user.pk == vote.member_id:
        return deny(_("Thành viên không tự xác nhận phiếu bằng văn bản của chính mình."))
    return decision


@policy(
    roles=(SECRETARY, *CHAIRS, *READ_EVERYTHING_ROLES),
    description="Xem danh sách phiếu bằng văn bản của phiên họp (obj: phiên họp)",
)
def may_read_written_votes(user, session) -> Decision:
    if may_read_everything(user):
        return allow()
    return by_role(
        user,
        (SECRETARY, *CHAIRS),
        _scope(session),
        reason=_(
            "Chỉ thư ký, chủ tọa, Ban Thi đua - Khen thưởng và kiểm tra viên xem danh sách phiếu bằng văn bản."
        ),
    )


@policy(
    roles=(SECRETARY, *CHAIRS, *BOARD_ROLES),
    description="Tải văn bản (PDF có chữ ký) của phiếu bằng văn bản (obj: phiên họp)",
)
def may_download_written_vote(user, session) -> Decision:
    """The council's secretary and chair, and the Board; to anyone else the document does not exist (404)."""
    decision = by_role(user, (SECRETARY, *CHAIRS), _scope(session), status=404)
    if decision:
        return decision
    return by_role(user, BOARD_ROLES, None, status=404, reason=_("Không tìm thấy văn bản gửi phiếu."))


# -- voting ------------------------------------------------------------------------------------------------
@policy(
    roles=COUNCIL_ROLES,
    description="Bỏ phiếu kín trong phiên họp: thành viên hội đồng vào ngày họp (obj: phiên họp)",
)
def may_cast_ballot(user, session) -> Decision:
    """A voting member of the session's term on the meeting day (the secretary where the council's rule says
    so), in their own name: an invited expert, a Board officer or an administrator never votes. Whether the
    ballot is open, the member present and not recused is the service's check (services._refusal)."""
    session = _session_of(session)
    if user.pk not in selectors.member_ids(session):
        return deny(_("Bạn không phải thành viên hội đồng của phiên họp này nên không được bỏ phiếu."))
    roles = selectors.voting_roles(session)
    held = by_role(user, roles, _scope(session), day=session.planned_on)
    return held if held else allow(roles=roles)


@policy(
    roles=COUNCIL_ROLES,
    description="Ghi nhận không tham gia biểu quyết một mục (obj: mục; member: thành viên)",
)
def may_declare_recusal(user, item, member=None) -> Decision:
    """A voting member declares their own conflict of interest; the secretary records anyone's."""
    scope = _scope(item)
    refusal = _("Chỉ chính thành viên hoặc thư ký được ghi nhận việc không tham gia biểu quyết.")
    if member is None or member.pk == user.pk:
        if user.pk in selectors.member_ids(item.session):
            held = by_role(user, COUNCIL_ROLES, scope, day=item.session.planned_on)
            return held if held else allow(roles=COUNCIL_ROLES)
    return by_role(user, (SECRETARY,), scope, reason=refusal)


@policy(
    roles=(SECRETARY, *CHAIRS),
    description="Theo dõi số phiếu đã nhận và điều hành phiên họp (thư ký, chủ tọa) (obj: phiên họp)",
)
def may_follow_turnout(user, session) -> Decision:
    return by_role(
        user,
        (SECRETARY, *CHAIRS),
        _scope(session),
        reason=_("Chỉ thư ký hoặc chủ tọa hội đồng theo dõi số phiếu đã nhận."),
    )


@policy(roles=(SECRETARY, *CHAIRS), description="Kết thúc bỏ phiếu và kiểm phiếu (obj: phiên họp)")
def may_close_voting(user, session) -> Decision:
    return by_role(
        user,
        (SECRETARY, *CHAIRS),
        _scope(session),
        reason=_("Chỉ thư ký hoặc chủ tọa hội đồng được kết thúc bỏ phiếu."),
    )


def ballot_seats(authorities) -> tuple[set[int], set[int], set[int]]:
    """For the inbox: from a user's authorities, the terms they vote in, the terms they are secretary of, and the
    units whose matters they are recused from, each held in their own name (a ballot is never delegated)."""
    own = [a for a in authorities if a.on_behalf_of_id is None]
    voting = {a.council_term_id for a in own if a.council_term_id and a.role in selectors.VOTING_ROLES}
    secretary = {a.council_term_id for a in own if a.council_term_id and a.role == SECRETARY}
    units = {a.unit_id for a in own if a.unit_id and a.role in UNIT_ROLES}
    return voting, secretary, units


# -- outside experts ---------------------------------------------------------------------------------------
@policy(
    roles=(*BOARD_ROLES, SECRETARY),
    description="Mời hoặc thôi mời chuyên gia dự một phiên họp (obj: phiên họp)",
)
def may_invite_expert(user, session) -> Decision:
    """A Board officer or head, or the secretary of the session's council."""
    return by_role(
        user,
        (*BOARD_ROLES, SECRETARY),
        _scope(session),
        reason=_("Chỉ Ban TĐKT hoặc thư ký hội đồng được mời chuyên gia dự phiên họp."),
    )


def _term_member_ids(session: Session) -> set[int]:
    """Users who hold a council role on the session's term, today or on the meeting day."""
    days = {timezone.localdate(), session.planned_on}
    active = Q()
    for day in days:
        active |= active_q(day)
    return set(
        Membership.objects.filter(active, council_term_id=session.council_term_id).values_list(
            "user_id", flat=True
        )
    )


def expert_refusal(session: Session, user) -> str | None:
    """Why `user` cannot be invited to `session` as an outside expert (a sentence for the field), or None: an
    account that no longer works, an IT administrator (no domain role, no domain seat), or someone who already
    sits on the term (they see the session as a member)."""
    from .templatetags.councils_extras import full_name

    if not user.is_active:
        return _("Tài khoản %(name)s không còn hoạt động.") % {"name": full_name(user)}
    if is_administrator(user):
        return _("Không mời tài khoản quản trị hệ thống làm chuyên gia.")
    if user.pk in _term_member_ids(session) or any(
        a.council_term_id == session.council_term_id for a in authorities_of(user)
    ):
        return _("%(name)s là thành viên hội đồng của nhiệm kỳ này; không cần mời.") % {
            "name": full_name(user)
        }
    return None


def expert_candidates(session: Session, invited_ids=()):
    """The accounts the invitation form offers: active, not administrators, holding no role on the term and not
    yet invited (at most CANDIDATE_LIMIT; anyone else can be named by username)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False)
        .exclude(pk__in=_term_member_ids(session))
        .exclude(pk__in=list(invited_ids))
        .order_by("first_name", "last_name", "username")[:CANDIDATE_LIMIT]
    )
