"""The innovation app's questions to the permission layer (workflows/policies.py): who opens a round, names its
reviewers, submits, screens, scores, reads an initiative in full, sees the ranking and downloads a certificate.

Roles are read here and nowhere else in innovation/. The one grant that memberships do not imply is the
reviewer assigned to an initiative: `innovation.review_initiative`, a django-guardian object permission given
by the assignment service (services._assign → workflows.policies.grant, audited) and taken back when the Board
removes the assignment (services.reviewer_unassign → revoke, audited). It lets the reviewer score their own
sheet while the round is scoring (the state stays the service's check) and read the initiative in full, then
and afterwards: their submitted sheet is part of the record the council reads, so scoring's end keeps it.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

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
    may_read_everything,
    policy,
    require,  # noqa: F401  (the services take it from here)
    unit_ids_with,
)
from workflows.roles import CITY, Authority, Scope, authorities_of

from .models import PUBLISHED_ROUND_STATES, RECOGNISED_STATES, Initiative, InitiativeState, RoundState

#: The object grant of the reviewer assigned to an initiative (Initiative.Meta.permissions).
REVIEW_GRANT = "innovation.review_initiative"
#: The role the audit log records for a reviewer's acts (scoring, declaring a conflict): not a membership.
REVIEWER = "reviewer"
#: Rounds whose council members read the initiatives in full: while the council sits and after it.
COUNCIL_READING_STATES = (RoundState.IN_COUNCIL, *PUBLISHED_ROUND_STATES)


def _board(user, reason: str) -> Decision:
    """A city-wide Board officer or head (or their delegate)."""
    return by_role(user, BOARD_ROLES, CITY, reason=reason)


def _as_reviewer() -> Authority:
    return Authority(role=REVIEWER, unit_id=None, council_term_id=None)


# -- the Board's work on a round -------------------------------------------------------------------------
@policy(roles=BOARD_ROLES, description="Mở đợt xét công nhận sáng kiến")
def may_open_round(user, obj=None) -> Decision:
    return _board(user, _("Chỉ Ban TĐKT được mở đợt xét sáng kiến."))


@policy(roles=BOARD_ROLES, description="Chọn danh sách người chấm của đợt (obj: đợt)")
def may_choose_reviewers(user, round_=None) -> Decision:
    return _board(user, _("Chỉ Ban TĐKT được chọn người chấm."))


@policy(roles=BOARD_ROLES, description="Nhập sáng kiến của đợt từ tệp Excel (obj: đợt)")
def may_import_initiatives(user, round_=None) -> Decision:
    return _board(user, _("Chỉ Ban TĐKT được nhập sáng kiến từ tệp Excel."))


@policy(
    roles=BOARD_ROLES,
    grant=REVIEW_GRANT,
    description="Phân công (hoặc rút) người chấm một sáng kiến; cấp quyền chấm cho người được phân công",
)
def may_assign_reviewers(user, obj=None) -> Decision:
    return _board(user, _("Chỉ Ban TĐKT được phân công người chấm."))


@policy(roles=BOARD_ROLES, description="Trình Hội đồng sáng kiến (lập phiên họp của đợt)")
def may_send_to_council(user, round_=None) -> Decision:
    return _board(user, _("Chỉ Ban TĐKT được trình Hội đồng sáng kiến."))


# -- the unit's work on an initiative --------------------------------------------------------------------
@policy(
    roles=BOARD_ROLES, description="Ghi công nhận phạm vi toàn quốc của cơ quan Trung ương (obj: sáng kiến)"
)
def may_record_central_recognition(user, initiative=None) -> Decision:
    return _board(user, _("Chỉ Ban TĐKT ghi văn bản công nhận của Trung ương."))


@policy(roles=UNIT_ROLES, description="Nộp sáng kiến của một đơn vị (obj: đơn vị; không có: đơn vị bất kỳ)")
def may_submit_initiative(user, unit=None) -> Decision:
    scope = None if unit is None else Scope(unit_id=getattr(unit, "pk", unit))
    return by_role(
        user,
        UNIT_ROLES,
        scope,
        reason=_("Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được nộp sáng kiến."),
    )


@policy(roles=UNIT_ROLES, description="Sửa tác giả của sáng kiến bị trả lại (đơn vị nộp)")
def may_edit_authors(user, initiative) -> Decision:
    return by_role(
        user,
        UNIT_ROLES,
        Scope(unit_id=initiative.unit_id),
        reason=_("Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị nộp được sửa tác giả."),
    )


@policy(roles=(*UNIT_ROLES, *BOARD_ROLES), description="Đính kèm minh chứng (đơn vị nộp hoặc Ban TĐKT)")
def may_add_evidence(user, initiative) -> Decision:
    return by_role(
        user,
        (*UNIT_ROLES, *BOARD_ROLES),
        Scope(unit_id=initiative.unit_id),
        reason=_("Chỉ đơn vị nộp sáng kiến hoặc Ban TĐKT được đính kèm minh chứng."),
    )


# -- the reviewers ---------------------------------------------------------------------------------------
@policy(grant=REVIEW_GRANT, description="Chấm phiếu của mình cho sáng kiến được phân công (quyền đối tượng)")
def may_score_initiative(user, initiative, *, assignment=None) -> Decision:
    """The reviewer the Board assigned (the object grant), on their own sheet (`assignment`, when given)."""
    refused = deny(_("Chỉ người được phân công mới được chấm phiếu này."))
    if initiative is None or not has_grant(user, REVIEW_GRANT, initiative):
        return refused
    if assignment is not None and (
        assignment.reviewer_id != user.pk or assignment.initiative_id != initiative.pk
    ):
        return refused
    return allow(_as_reviewer())


@policy(description="Khai báo xung đột lợi ích với một sáng kiến (người chấm của đợt)")
def may_declare_conflict(user, initiative) -> Decision:
    """A reviewer of the round's pool declares a conflict (then the Board cannot assign them)."""
    if not initiative.round.reviewers.filter(pk=user.pk).exists():
        return deny(_("Chỉ người chấm của đợt được khai báo xung đột lợi ích."), status=404)
    return allow(_as_reviewer())


# -- reading -----------------------------------------------------------------------------------------------
def _review_grants(user):
    """guardian rows giving `user` the review grant on the outer query's initiative."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    return UserObjectPermission.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(Initiative),
        permission__codename=REVIEW_GRANT.rpartition(".")[2],
        object_pk=Cast(OuterRef("pk"), output_field=CharField()),
    )


def initiatives_in_full_q(user) -> Q | None:
    """The condition on initiatives that `user` reads in full (text and evidence): their unit's, those they
    hold the review grant on, and, as a member of the round's council term, those of a round in or past the
    council. None: every initiative (the Board, auditors, the chairman, an administrator)."""
    if may_read_everything(user):
        return None
    return (
        Q(unit_id__in=unit_ids_with(user, UNIT_ROLES))
        | Q(Exists(_review_grants(user)))
        | Q(round__council_term_id__in=council_term_ids_of(user), round__state__in=COUNCIL_READING_STATES)
    )


@policy(
    roles=READ_EVERYTHING_ROLES,
    grant=REVIEW_GRANT,
    description="Xem một sáng kiến (đơn vị nộp, người chấm được phân công, hội đồng; kết quả đã công bố: mọi người)",
)
def may_view_initiative(user, initiative) -> Decision:
    """Those who read it in full (initiatives_in_full_q) and, once its round is published, everyone signed in."""
    pk = initiative.pk
    in_full = initiatives_in_full_q(user)
    if in_full is None:
        return allow()
    visible = in_full | Q(round__state__in=PUBLISHED_ROUND_STATES)
    if Initiative.objects.filter(visible, pk=pk).exists():
        return allow()
    return deny(_("Không tìm thấy sáng kiến."), status=404)


@policy(
    roles=READ_EVERYTHING_ROLES,
    grant=REVIEW_GRANT,
    description="Đọc toàn văn và minh chứng (đơn vị nộp, người chấm được phân công, hội đồng từ khi họp)",
)
def may_read_initiative_in_full(user, initiative) -> Decision:
    pk = initiative.pk
    in_full = initiatives_in_full_q(user)
    if in_full is None or Initiative.objects.filter(in_full, pk=pk).exists():
        return allow()
    return deny(_("Không tìm thấy tài liệu minh chứng của sáng kiến này."), status=404)


@policy(
    roles=READ_EVERYTHING_ROLES,
    description="Xem bảng xếp hạng của đợt trước khi công bố (Ban TĐKT, thành viên hội đồng của đợt)",
)
def may_view_ranking(user, round_) -> Decision:
    """The Board (and auditors, the chairman) and the round's council members; everyone once published."""
    if round_.state in PUBLISHED_ROUND_STATES or may_read_everything(user):
        return allow()
    if round_.council_term_id in council_term_ids_of(user):
        return allow()
    return deny(_("Chỉ Ban TĐKT và thành viên hội đồng được xem bảng xếp hạng trước khi công bố."))


@policy(
    roles=READ_EVERYTHING_ROLES,
    description="Tải giấy chứng nhận sáng kiến (Ban TĐKT; đơn vị, tác giả khi đã cấp)",
)
def may_download_certificate(user, initiative) -> Decision:
    """The Board (and auditors, the chairman) once it is recognised, to print them; once issued also the
    submitting unit and the authors themselves."""
    refused = deny(_("Giấy chứng nhận chưa được cấp cho sáng kiến này."), status=404)
    if initiative.state not in RECOGNISED_STATES:
        return refused
    if may_read_everything(user):
        return allow()
    if initiative.state != InitiativeState.CERTIFIED:
        return refused
    if initiative.unit_id in unit_ids_with(user, UNIT_ROLES):
        return allow()
    if initiative.authors.filter(user=user).exists():
        return allow()
    return refused


# -- helpers for lists and choices (not decisions of one act) ----------------------------------------------
def submitting_unit_ids(user) -> set[int]:
    """The units `user` may submit initiatives for today (unit officer or head, or their delegate)."""
    return unit_ids_with(user, UNIT_ROLES)


def unit_ids_of(user) -> set[int]:
    """Every unit `user` holds a role in today: a reviewer working in an author's unit has a conflict."""
    return {authority.unit_id for authority in authorities_of(user) if authority.unit_id}


def eligible_reviewers():
    """The accounts the Board may put in a round's pool: active people; an administrator (superuser) is an IT
    account, never a domain actor, so is left out of the choices."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False)
        .order_by("last_name", "first_name", "username")
    )
