"""Writes of the councils app. State changes go through workflows.engine; other writes that matter are audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import CouncilTerm
from workflows import audit, engine
from workflows.models import UNIT_ROLES, Membership
from workflows.policies import PolicyDenied, grant, has_grant, revoke
from workflows.roles import active_q
from workflows.uploads import pdf_name, read_pdf

from . import policies, sealing, selectors
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Ballot,
    BallotReceipt,
    Choice,
    CouncilRule,
    ItemState,
    Recusal,
    RecusalReason,
    Session,
    SessionState,
    VotingMode,
    WrittenVote,
    WrittenVoteStatus,
)
from .policies import require
from .registry import Threshold, agenda_terms_of, contract_for, terms_differences
from .results import discard_session_ballots, item_result
from .templatetags.councils_extras import full_name

AGENDA_OPEN_STATES = {SessionState.PLANNED, SessionState.CONVENED}
ATTENDANCE_STATES = {
    SessionState.CONVENED,
    SessionState.AGENDA_LOCKED,
    SessionState.OPENED,
    SessionState.VOTING,
}
ROSTER_LIMIT = 500  # rows of one attendance roster (a council has a few dozen members)


class BallotRefused(engine.ActionForbidden):
    """A ballot the member may not cast (non-member, recused, absent): HTTP 403. `code` goes to the audit log."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class BallotConflict(engine.TransitionNotAllowed):
    """A ballot at the wrong time, or a second one: HTTP 409."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


BEFORE_VOTING = {
    SessionState.PLANNED,
    SessionState.CONVENED,
    SessionState.AGENDA_LOCKED,
    SessionState.OPENED,
    SessionState.POSTPONED,
}


def planned_on_refusal(council_term: CouncilTerm, day: date) -> str | None:
    """Why a session of `council_term` cannot meet on `day` (outside the term's dates), or None."""
    starts, ends = council_term.starts_on, council_term.ends_on
    if day < starts or (ends is not None and day > ends):
        values = {"term": council_term.name, "start": starts.strftime("%d/%m/%Y")}
        if ends is None:
            return _("Ngày họp phải nằm trong nhiệm kỳ %(term)s (từ %(start)s).") % values
        values["end"] = ends.strftime("%d/%m/%Y")
        return _("Ngày họp phải nằm trong nhiệm kỳ %(term)s (từ %(start)s đến %(end)s).") % values
    return None


def past_day_refusal(day: date) -> str | None:
    """Why a meeting typed by a person cannot be planned on `day` (already past), or None."""
    if day < timezone.localdate():
        return _("Ngày họp đã qua; chọn ngày từ hôm nay (%(today)s) trở đi.") % {
            "today": timezone.localdate().strftime("%d/%m/%Y")
        }
    return None


def session_create(
    *,
    council_term: CouncilTerm,
    title: str,
    planned_on: date,
    actor,
    place: str = "",
    source: models.Model | None = None,
) -> Session:
    """The Board (officer or head) plans a session of a council term; the council's voting rule is copied.
    The day must fall within the term (the web form and the API also refuse a day already past)."""
    actor = require(policies.may_create_session, actor, council_term)
    if (refusal := planned_on_refusal(council_term, planned_on)) is not None:
        raise ValidationError({"planned_on": refusal})
    return _session_create(
        council_term=council_term, title=title, planned_on=planned_on, actor=actor, place=place, source=source
    )


def _session_create(*, council_term, title, planned_on, actor: audit.Actor, place="", source=None) -> Session:
    if not title.strip():
        raise ValidationError({"title": _("Cần nhập tên phiên họp.")})
    rule = CouncilRule.objects.filter(council=council_term.council_id).first() or CouncilRule(
        council=council_term.council
    )
    with transaction.atomic():
        session = Session.objects.create(
            council_term=council_term,
            title=title.strip()[:300],
            planned_on=planned_on,
            place=place,
            quorum_numerator=rule.quorum_numerator,
            quorum_denominator=rule.quorum_denominator,
            abstain_allowed=rule.abstain_allowed,
            written_votes_allowed=rule.written_votes_allowed,
            secretary_votes=rule.secretary_votes,
            source_type=ContentType.objects.get_for_model(source) if source is not None else None,
            source_id=str(source.pk) if source is not None else "",
        )
        audit.record(
            subject=session,
            actor=actor,
            verb="session_created",
            target_state=session.state,
            data={
                "title": session.title,
                "council_term": council_term.pk,
                "planned_on": planned_on,
                "place": place,
                "quorum": f"{rule.quorum_numerator}/{rule.quorum_denominator}",
                "abstain_allowed": rule.abstain_allowed,
                "written_votes_allowed": rule.written_votes_allowed,
                "secretary_votes": rule.secretary_votes,
                "source": f"{source._meta.label_lower}:{source.pk}" if source is not None else None,
            },
        )
    return session


#: Why a request cannot name an item's subject (shown next to the field, in the form and the API).
SUBJECT_BY_OWN_PROCESS = gettext_lazy(
    "Mục biểu quyết về một hồ sơ, một sáng kiến… chỉ được đưa vào chương trình họp từ chính quy trình của nó, "
    "với tỷ lệ biểu quyết theo quy định của danh hiệu, sáng kiến; không nhập tay."
)


def agenda_item_add(
    *,
    session: Session,
    title: str,
    summary: str = "",
    proposing_unit=None,
    nominee_user=None,
    threshold: Threshold,
    actor,
    subject: models.Model | None = None,
    legal_basis=(),
) -> AgendaItem:
    """Put a free-form matter on the agenda (secretary or Board), with the pass rule they type and the legal acts
    it is judged under (cited by the minutes); refused once the agenda is locked. A free-form item has no
    subject, so its result changes no record: a dossier line, an initiative… goes on an agenda only through its
    own app's service (agenda_subject_add), with its own rules."""
    actor = require(policies.may_edit_agenda, actor, session)
    if subject is not None:
        raise ValidationError({"subject": str(SUBJECT_BY_OWN_PROCESS)})
    return _agenda_item_create(
        session=session,
        subject=None,
        title=title,
        summary=summary,
        proposing_unit=proposing_unit,
        nominee_user=nominee_user,
        threshold=threshold,
        actor=actor,
        legal_basis=tuple(act for act in (str(act).strip() for act in legal_basis) if act),
    )


#: Sessions in which an item still waits for its result (an item there blocks a second scheduling).
_ITEM_LIVE_STATES = set(SessionState.values) - {SessionState.CANCELLED, SessionState.RESOLUTION_ISSUED}


def agenda_subject_add(*, session: Session, subject: models.Model, actor) -> AgendaItem:
    """Put a subject with a lifecycle (a dossier line, an initiative…) on a session's agenda. Called only by the
    subject's own service, which checks its own state and role first. Title, pass rule, proposing unit and
    recusals come from the subject's registered agenda_terms (its rules), never from the caller; the terms
    refuse a session of a council the subject's route does not name. A subject already waiting on an agenda
    cannot be scheduled a second time. The proposing unit's members and the terms' recused users are recorded
    as recused at once."""
    actor = require(policies.may_edit_agenda, actor, session)
    contract = contract_for(subject)
    if contract is None:
        raise ValidationError({"subject": _("Đối tượng này không được đưa ra hội đồng biểu quyết.")})
    with transaction.atomic():
        locked = _locked_session(session.pk)
        terms = contract.agenda_terms(subject=subject, session=locked)
        subject_type = ContentType.objects.get_for_model(subject)
        waiting = AgendaItem.objects.filter(
            subject_type=subject_type, subject_id=str(subject.pk), session__state__in=_ITEM_LIVE_STATES
        ).select_related("session")
        other = waiting.first()
        if other is not None:
            raise engine.TransitionNotAllowed(
                _(
                    "«%(subject)s» đã có trong chương trình phiên họp «%(session)s»; không thể đưa vào lần nữa."
                )
                % {"subject": subject, "session": other.session.title}
            )
        item = _agenda_item_create(
            session=locked,
            subject=subject,
            title=terms.title,
            summary=terms.summary,
            proposing_unit=terms.proposing_unit,
            nominee_user=terms.nominee_user,
            threshold=terms.threshold,
            actor=actor,
            legal_basis=terms.legal_basis,
        )
        recusals = selectors.automatic_recusals(item)
        members = selectors.member_ids(locked)
        for user in terms.recused_users:
            if user is not None and user.pk in members:
                recusals.setdefault(user.pk, RecusalReason.NOMINEE)
        recusals_record_automatic(item=item, recusals=recusals, actor=actor)
    return item


def agenda_subjects_add(*, session: Session, subjects: list[models.Model], actor) -> list[AgendaItem]:
    """Put many subjects of one kind on a session's agenda in one go (a unit's year-end round: hundreds of lines),
    under the rules of agenda_subject_add: every item's terms from the subject's own app, no subject already
    waiting on a live agenda, the agenda still open. One lock of the session; the items written in bulk and their
    audit events appended together (audit.record_many); recusals recorded where the terms imply any. All or
    nothing."""
    actor = require(policies.may_edit_agenda, actor, session)
    subjects = list(subjects)
    if not subjects:
        raise ValidationError({"subject": _("Không có đối tượng nào để đưa vào chương trình họp.")})
    model = type(subjects[0])
    contract = contract_for(subjects[0])
    if contract is None or any(type(subject) is not model for subject in subjects):
        raise ValidationError({"subject": _("Đối tượng này không được đưa ra hội đồng biểu quyết.")})
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if locked.state not in AGENDA_OPEN_STATES:
            raise engine.TransitionNotAllowed(
                _("Chương trình họp đã chốt (trạng thái «%(state)s»); không thể thêm mục.")
                % {"state": locked.get_state_display()}
            )
        _keep_term(locked, session)
        # every subject's terms in a fixed number of queries where its app registered agenda_terms_many
        terms = agenda_terms_of(contract, subjects, locked)
        subject_type = ContentType.objects.get_for_model(model)
        other = (
            AgendaItem.objects.filter(
                subject_type=subject_type,
                subject_id__in=[str(subject.pk) for subject in subjects],
                session__state__in=_ITEM_LIVE_STATES,
            )
            .select_related("session")
            .order_by("pk")
            .first()
        )
        if other is not None:
            raise engine.TransitionNotAllowed(
                _(
                    "«%(subject)s» đã có trong chương trình phiên họp «%(session)s»; không thể đưa vào lần nữa."
                )
                % {"subject": other.title, "session": other.session.title}
            )
        last = locked.items.aggregate(last=Max("order"))["last"] or 0
        items = []
        for position, (subject, term) in enumerate(zip(subjects, terms, strict=True), start=last + 1):
            percent = Decimal(term.threshold.percent)
            ratio = term.threshold.ratio
            items.append(
                AgendaItem(
                    session=locked,
                    order=position,
                    title=term.title.strip()[:500],
                    summary=term.summary,
                    subject_type=subject_type,
                    subject_id=str(subject.pk),
                    proposing_unit=term.proposing_unit,
                    nominee_user=term.nominee_user,
                    threshold_percent=percent,
                    threshold_numerator=ratio[0] if ratio else None,
                    threshold_denominator=ratio[1] if ratio else None,
                    threshold_base=term.threshold.base,
                    threshold_strict=term.threshold.strict,
                    written_votes_allowed=term.threshold.written_votes_allowed,
                    legal_basis=list(term.legal_basis),
                )
            )
        items = AgendaItem.objects.bulk_create(items)
        audit.record_many(
            [
                {
                    "subject": item,
                    "actor": actor,
                    "verb": "agenda_item_added",
                    "target_state": item.state,
                    "data": {
                        "session": locked.pk,
                        "order": item.order,
                        "title": item.title,
                        "subject": f"{model._meta.label_lower}:{subject.pk}",
                        "proposing_unit": getattr(term.proposing_unit, "code", None),
                        "nominee": getattr(term.nominee_user, "username", None),
                        "threshold": {
                            "percent": item.threshold_percent,
                            "ratio": list(term.threshold.ratio) if term.threshold.ratio else None,
                            "base": item.threshold_base,
                            "strict": item.threshold_strict,
                        },
                        "rules": "subject",
                        "batch": len(items),
                    },
                }
                for item, subject, term in zip(items, subjects, terms, strict=True)
            ]
        )
        concerned = [
            (item, term)
            for item, term in zip(items, terms, strict=True)
            if item.proposing_unit_id or item.nominee_user_id or term.recused_users
        ]
        if concerned:
            # the members and every proposing unit's members read once for all the items (not two statements an
            # item); the items are new, so each recusal is created, in the one-by-one path's order and events
            members = selectors.member_ids(locked)
            automatic = selectors.automatic_recusals_many(
                locked, [item for item, _term in concerned], ids=members
            )
            rows = []
            for item, term in concerned:
                recusals = automatic[item.pk]
                for user in term.recused_users:
                    if user is not None and user.pk in members:
                        recusals.setdefault(user.pk, RecusalReason.NOMINEE)
                rows += [(item, member_id, reason) for member_id, reason in sorted(recusals.items())]
            _recusals_create(rows, actor)
    return items


def _recusals_create(rows: list[tuple[AgendaItem, int, str]], actor: audit.Actor) -> None:
    """Record the automatic recusals of new items (none recorded yet): one INSERT, the members' names read once,
    one audit event each in the rows' order, as recusals_record_automatic records them one by one."""
    if not rows:
        return
    User = get_user_model()
    names = dict(User._default_manager.filter(pk__in={row[1] for row in rows}).values_list("pk", "username"))
    Recusal.objects.bulk_create(
        [Recusal(item=item, member_id=member_id, reason=reason) for item, member_id, reason in rows]
    )
    audit.record_many(
        [
            {
                "subject": item,
                "actor": actor,
                "verb": "recusal_recorded",
                "data": {"member": names[member_id], "item": item.pk, "reason": reason, "automatic": True},
            }
            for item, member_id, reason in rows
        ]
    )


def _keep_term(locked: Session, session: Session) -> None:
    """The locked copy of the session takes the term (and its council) the caller's copy was read with, when it
    was: the same rows, read in this transaction, that the subjects' terms would read again (two statements)."""
    if (
        Session.council_term.is_cached(session)
        and session.council_term_id == locked.council_term_id
        and session.council_term is not None
        and CouncilTerm.council.is_cached(session.council_term)
    ):
        locked.council_term = session.council_term


def recusals_record_automatic(*, item: AgendaItem, recusals: dict[int, str], actor: audit.Actor) -> None:
    """Record the recusals the rules imply (nominee, proposing unit, authors), each once, each audited."""
    for member_id, reason in sorted(recusals.items()):
        recusal, created = Recusal.objects.get_or_create(
            item=item, member_id=member_id, defaults={"reason": reason}
        )
        if created:
            audit.record(
                subject=item,
                actor=actor,
                verb="recusal_recorded",
                data={
                    "member": recusal.member.username,
                    "item": item.pk,
                    "reason": reason,
                    "automatic": True,
                },
            )


def agenda_result_deliver(*, item: AgendaItem, actor: audit.Actor) -> None:
    """Push a counted item's result to its subject's registered handler (when the resolution is issued). A
    free-form item changes no record. For a subject, its terms are read again and the result is refused unless
    the item still carries exactly the subject's pass rule, proposing unit and nominee."""
    checked = _checked_subject(item)
    if checked is not None:
        subject, contract = checked
        contract.on_result(subject=subject, result=item_result(item), actor=actor)


def agenda_results_deliver(*, items: list[AgendaItem], actor: audit.Actor) -> None:
    """Deliver every counted item's result, in agenda order, each subject's terms checked again: one call per
    item, or one call for all the items of a model whose app registered on_results (hundreds of lines of one
    round), after the others. The subjects are read in one query per kind (not one per item), and their terms
    in one batch per kind and session where the app registered agenda_terms_many."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([item for item in items if item.subject_type_id], "subject")
    known = _terms_in_batches(items)
    batches: dict[type, tuple] = {}
    for item in items:
        checked = _checked_subject(item, known.get(item.pk))
        if checked is None:
            continue
        subject, contract = checked
        if contract.on_results is None:
            contract.on_result(subject=subject, result=item_result(item), actor=actor)
        else:
            batches.setdefault(type(subject), (contract, []))[1].append((subject, item_result(item)))
    for contract, pairs in batches.values():
        contract.on_results(pairs=pairs, actor=actor)


def _terms_in_batches(items: list[AgendaItem]) -> dict[int, object]:
    """{item id: AgendaTerms} for the items whose subject's app registered agenda_terms_many, read in one batch per
    kind and session. A batch that refuses gives nothing: those items' terms are then read one by one (in
    _checked_subject, in agenda order), so that the refusal raised is the one-by-one path's."""
    groups: dict[tuple, list[AgendaItem]] = {}
    for item in items:
        subject = item.subject if item.subject_type_id else None
        contract = contract_for(subject) if subject is not None else None
        if contract is not None and contract.agenda_terms_many is not None:
            groups.setdefault((type(subject), item.session_id), []).append(item)
    known: dict[int, object] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        contract = contract_for(group[0].subject)
        try:
            terms = contract.agenda_terms_many(
                subjects=[item.subject for item in group], session=group[0].session
            )
        except (ValidationError, engine.TransitionNotAllowed, engine.ActionForbidden):
            continue
        known.update({item.pk: term for item, term in zip(group, terms, strict=True)})
    return known


def _checked_subject(item: AgendaItem, terms=None):
    """(subject, contract) of a counted item whose stored pass rule still is its subject's terms (`terms` when the
    caller read them already, in a batch); None for a free-form item; ValidationError when the subject is gone or
    its terms changed."""
    subject = item.subject if item.subject_type_id else None
    if subject is None:
        if item.subject_type_id:
            raise ValidationError(_("Không tìm thấy đối tượng của mục «%(item)s».") % {"item": item.title})
        return None
    contract = contract_for(subject)
    if contract is None:
        raise ValidationError(_("Không có nơi nhận kết quả cho mục «%(item)s».") % {"item": item.title})
    if terms is None:
        terms = contract.agenda_terms(subject=subject, session=item.session)
    differences = terms_differences(item, terms)
    if differences:
        raise ValidationError(
            _(
                "Mục «%(item)s» không theo đúng quy định biểu quyết của đối tượng (%(fields)s); "
                "không thể ghi kết quả."
            )
            % {"item": item.title, "fields": ", ".join(differences)}
        )
    return subject, contract


def _agenda_item_create(
    *,
    session: Session,
    subject: models.Model | None,
    title: str,
    summary: str,
    proposing_unit,
    nominee_user,
    threshold: Threshold,
    actor: audit.Actor,
    legal_basis=(),
) -> AgendaItem:
    if not title.strip():
        raise ValidationError({"title": _("Cần nhập nội dung biểu quyết.")})
    percent = Decimal(threshold.percent)
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationError({"threshold": _("Tỷ lệ đồng ý phải từ 0 đến 100 %.")})
    ratio = threshold.ratio
    if ratio is not None and not (ratio[1] >= 1 and 0 <= ratio[0] <= ratio[1]):
        raise ValidationError({"threshold": _("Tỷ lệ dạng phân số không hợp lệ.")})
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if locked.state not in AGENDA_OPEN_STATES:
            raise engine.TransitionNotAllowed(
                _("Chương trình họp đã chốt (trạng thái «%(state)s»); không thể thêm mục.")
                % {"state": locked.get_state_display()}
            )
        last = locked.items.aggregate(last=Max("order"))["last"] or 0
        item = AgendaItem.objects.create(
            session=locked,
            order=last + 1,
            title=title.strip()[:500],
            summary=summary,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=str(subject.pk) if subject is not None else "",
            proposing_unit=proposing_unit,
            nominee_user=nominee_user,
            threshold_percent=percent,
            threshold_numerator=ratio[0] if ratio else None,
            threshold_denominator=ratio[1] if ratio else None,
            threshold_base=threshold.base,
            threshold_strict=threshold.strict,
            written_votes_allowed=threshold.written_votes_allowed,
            legal_basis=list(legal_basis),
        )
        audit.record(
            subject=item,
            actor=actor,
            verb="agenda_item_added",
            target_state=item.state,
            data={
                "session": locked.pk,
                "order": item.order,
                "title": item.title,
                "subject": f"{subject._meta.label_lower}:{subject.pk}" if subject is not None else None,
                "proposing_unit": getattr(proposing_unit, "code", None),
                "nominee": getattr(nominee_user, "username", None),
                "threshold": {
                    "percent": percent,
                    "ratio": list(ratio) if ratio else None,
                    "base": threshold.base,
                    "strict": threshold.strict,
                },
                "rules": "subject" if subject is not None else "typed",
            },
        )
    return item


def _attendance_refusal(
    session: Session, member, status: str, current: Attendance | None, members: set[int] | None = None
):
    """Why `member` cannot be given `status` now (an exception to raise), or None. The guards of both the
    single-member form and the roster: a member who has voted (directly or in writing) keeps their status, and
    "absent, written vote" is set only by written_vote_record. `members`: the session's voting members, when the
    caller (the roster) has read them once for all its rows."""
    if status not in AttendanceStatus.values:
        return ValidationError({"status": _("Tình trạng có mặt không hợp lệ.")})
    if member.pk not in (selectors.member_ids(session) if members is None else members):
        return ValidationError(
            {
                "member": _("%(name)s không phải thành viên hội đồng vào ngày họp.")
                % {"name": full_name(member)}
            }
        )
    previous = current.status if current else None
    if status == AttendanceStatus.ABSENT_WRITTEN and previous != status:
        return ValidationError(
            {
                "status": _(
                    "Tình trạng «vắng mặt, gửi phiếu bằng văn bản» chỉ có khi thư ký ghi nhận phiếu bằng "
                    "văn bản của thành viên đã được điểm danh vắng mặt."
                )
            }
        )
    if previous == AttendanceStatus.ABSENT_WRITTEN and status != previous:
        return engine.TransitionNotAllowed(
            _(
                "Thành viên đã gửi phiếu bằng văn bản (chờ xác nhận hoặc đã xác nhận); không thể thay đổi "
                "tình trạng có mặt."
            )
        )
    if current is not None and current.status != status:
        if BallotReceipt.objects.filter(item__session=session, member=member).exists():
            return engine.TransitionNotAllowed(
                _("Thành viên đã bỏ phiếu; không thể thay đổi tình trạng có mặt.")
            )
    return None


def _attendance_session(session: Session, actor) -> tuple[audit.Actor, Session]:
    """The secretary's authority and the session locked for attendance (refused outside ATTENDANCE_STATES)."""
    actor = require(policies.may_record_attendance, actor, session)
    locked = _locked_session(session.pk)
    if locked.state not in ATTENDANCE_STATES:
        raise engine.TransitionNotAllowed(
            _("Không thể điểm danh khi phiên họp ở trạng thái «%(state)s».")
            % {"state": locked.get_state_display()}
        )
    return actor, locked


def attendance_record(*, session: Session, member, status: str, actor) -> Attendance:
    """The secretary records whether a member is present; a member who has voted (directly or in writing) keeps
    their status. "Absent, written vote" is set only by written_vote_record."""
    with transaction.atomic():
        actor, locked = _attendance_session(session, actor)
        current = Attendance.objects.filter(session=locked, member=member).first()
        previous = current.status if current else None
        refusal = _attendance_refusal(locked, member, status, current)
        if refusal is not None:
            raise refusal
        if current is None:
            current = Attendance.objects.create(session=locked, member=member, status=status)
        elif current.status != status:
            current.status = status
            current.save(update_fields=["status"])
        if previous != status:
            audit.record(
                subject=locked,
                actor=actor,
                verb="attendance_recorded",
                data={"member": member.username, "status": status, "previous": previous},
            )
    return current


class RosterRefused(ValidationError):
    """The roster was refused as a whole; `rows` = {member id: message} for each row that cannot be saved."""

    def __init__(self, rows: dict[int, str]):
        super().__init__(
            _("Chưa lưu điểm danh: %(n)s dòng không hợp lệ; không dòng nào được ghi.") % {"n": len(rows)}
        )
        self.rows = rows


def attendance_roster_record(*, session: Session, statuses: dict[int, str], actor) -> list[dict]:
    """The secretary records the whole roster at once: {member id: status}. All or nothing: a row refused by the
    guards of attendance_record refuses the roster (RosterRefused names each row). Rows whose status does not
    change are left alone; the changes are audited as ONE event "attendance_roster_recorded" listing each
    member's new and previous status. Returns those changes."""
    User = get_user_model()
    with transaction.atomic():
        actor, locked = _attendance_session(session, actor)
        if not statuses:
            raise ValidationError(_("Chưa chọn tình trạng có mặt cho thành viên nào."))
        if len(statuses) > ROSTER_LIMIT:
            raise ValidationError(_("Danh sách điểm danh quá dài (tối đa %(n)s dòng).") % {"n": ROSTER_LIMIT})
        users = User.objects.in_bulk(list(statuses))
        current = {
            a.member_id: a for a in locked.attendances.select_for_update().filter(member_id__in=list(users))
        }
        errors: dict[int, str] = {}
        changes: list[tuple] = []
        members = selectors.member_ids(locked)  # once for the roster, not once per row
        for member_id, status in statuses.items():
            member = users.get(member_id)
            if member is None:
                errors[member_id] = _("Không tìm thấy thành viên này.")
                continue
            attendance = current.get(member_id)
            refusal = _attendance_refusal(locked, member, status, attendance, members)
            if refusal is not None:
                errors[member_id] = (
                    " ".join(refusal.messages) if isinstance(refusal, ValidationError) else refusal.message
                )
            elif attendance is None or attendance.status != status:
                changes.append((member, attendance, status))
        if errors:
            raise RosterRefused(errors)
        recorded, created, changed = [], [], []
        for member, attendance, status in changes:
            previous = attendance.status if attendance else None
            if attendance is None:
                created.append(Attendance(session=locked, member=member, status=status))
            else:
                attendance.status = status
                changed.append(attendance)
            recorded.append({"member": member.username, "status": status, "previous": previous})
        # the rows written together (a council of 25 members: one statement, not 25)
        Attendance.objects.bulk_create(created)
        Attendance.objects.bulk_update(changed, ["status"])
        if recorded:
            audit.record(
                subject=locked,
                actor=actor,
                verb="attendance_roster_recorded",
                data={"changes": recorded},
            )
    return recorded


def recusal_declare(*, item: AgendaItem, member, note: str, actor) -> Recusal:
    """A member declares a conflict of interest on an item (or the secretary records it); audited."""
    actor = require(policies.may_declare_recusal, actor, item, member=member)
    if not note.strip():
        raise ValidationError({"note": _("Cần nêu lý do xung đột lợi ích.")})
    with transaction.atomic():
        locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if locked.state != ItemState.PENDING:
            raise engine.TransitionNotAllowed(_("Mục này đã kiểm phiếu."))
        if BallotReceipt.objects.filter(item=locked, member=member).exists():
            raise engine.TransitionNotAllowed(_("Thành viên đã bỏ phiếu cho mục này."))
        recusal, created = Recusal.objects.get_or_create(
            item=locked,
            member=member,
            defaults={"reason": RecusalReason.DECLARED, "note": note.strip()[:500]},
        )
        if created:
            audit.record(
                subject=locked,
                actor=actor,
                verb="recusal_recorded",
                comment=recusal.note,
                data={
                    "member": member.username,
                    "item": locked.pk,
                    "reason": RecusalReason.DECLARED,
                    "automatic": False,
                },
            )
    return recusal


def _second_ballot() -> BallotConflict:
    return BallotConflict(
        _("Bạn đã bỏ phiếu cho mục này; mỗi thành viên chỉ có một phiếu và không thể thay đổi."),
        "second_ballot",
    )


_UNREAD = object()


def _absence_refusal(session: Session, member, attendance=_UNREAD) -> BallotRefused | None:
    """Members absent from the meeting vote in writing through the secretary, never directly. `attendance`: the
    member's status on the session when the caller has read it already (a ballot sheet, with the session)."""
    if attendance is _UNREAD:
        attendance = session.attendances.filter(member=member).values_list("status", flat=True).first()
    if attendance == AttendanceStatus.PRESENT:
        return None
    return BallotRefused(
        _(
            "Bạn không có mặt tại phiên họp nên không bỏ phiếu trực tiếp; thành viên vắng mặt "
            "gửi phiếu bằng văn bản qua thư ký."
        ),
        "absent",
    )


def _voter(actor, session: Session) -> tuple[audit.Actor, BallotRefused | None]:
    """The member as the audit log records them (councils.policies.may_cast_ballot: a seat on the session's
    term on the meeting day), and the refusal to audit and raise when they hold none."""
    try:
        return require(policies.may_cast_ballot, actor, session), None
    except PolicyDenied as refused:
        actor = actor if isinstance(actor, audit.Actor) else audit.Actor(user=actor)
        return actor, BallotRefused(refused.message, "not_member")


def _refusal(item: AgendaItem, member, session: Session, not_member: Exception | None) -> Exception | None:
    """Why `member` may not cast a ballot on `item` now (None if they may). The item row is locked."""
    if not_member is not None:
        return not_member
    if not selectors.ballot_open(item):
        if item.state == ItemState.PENDING and session.state in BEFORE_VOTING | {SessionState.VOTING}:
            return BallotConflict(
                _("Chưa mở bỏ phiếu cho mục «%(item)s».") % {"item": item.title}, "not_open"
            )
        return BallotConflict(
            _("Đã kết thúc bỏ phiếu cho mục «%(item)s»; không thể bỏ hoặc thay đổi phiếu.")
            % {"item": item.title},
            "closed",
        )
    reason = selectors.recusal_reason(item, member)
    if reason:
        return BallotRefused(
            _("Bạn không tham gia biểu quyết mục này (%(reason)s).")
            % {"reason": RecusalReason(reason).label},
            "recused",
        )
    absent = _absence_refusal(session, member)
    if absent is not None:
        return absent
    if BallotReceipt.objects.filter(item=item, member=member).exists():
        return _second_ballot()
    return None


def ballot_cast(*, item: AgendaItem, choice: str, actor) -> BallotReceipt:
    """A present, non-recused member casts one secret ballot on an open item. The receipt and the ballot are
    written apart, with nothing linking them; the audit event names the member and item, never the choice.
    Refusals (closed, second ballot, non-member, recused, absent) are audited too."""
    member = actor.user if isinstance(actor, audit.Actor) else actor
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Lựa chọn không hợp lệ: chọn đồng ý hoặc không đồng ý.")})
    refused = None
    with transaction.atomic():
        locked = AgendaItem.objects.select_for_update().select_related("session").get(pk=item.pk)
        session = locked.session
        actor, not_member = _voter(actor, session)
        refused = _refusal(locked, member, session, not_member)
        if refused is None:
            if choice == Choice.ABSTAIN and not session.abstain_allowed:
                raise ValidationError({"choice": _("Phiên họp này không có lựa chọn «không biểu quyết».")})
            try:
                with transaction.atomic():
                    receipt = BallotReceipt.objects.create(item=locked, member=member)
            except IntegrityError:
                refused = _second_ballot()
            else:
                Ballot.objects.create(item=locked, sealed=sealing.seal_choice(locked.pk, choice))
                audit.record(
                    subject=locked,
                    actor=actor,
                    verb="ballot_cast",
                    data={"member": member.username, "item": locked.pk},
                )
                return receipt
    _audit_refusal(item, actor, member, refused)
    raise refused


def ballot_sheet_cast(*, session: Session, choices: dict[int, str], actor) -> int:
    """A present member casts their ballot sheet for many open items at once (voting mode "all items"), in one
    transaction, all or nothing. The same rules as ballot_cast hold for every item; receipts and ballots are
    written apart; one audit event names the member and the items, never the choices. Returns the count."""
    member = actor.user if isinstance(actor, audit.Actor) else actor
    if not choices:
        raise ValidationError({"choices": _("Phiếu trống: hãy chọn ý kiến cho ít nhất một mục.")})
    if any(choice not in Choice.values for choice in choices.values()):
        raise ValidationError({"choices": _("Lựa chọn không hợp lệ: chọn đồng ý hoặc không đồng ý.")})
    item_ids = sorted(int(pk) for pk in choices)
    refused = None
    try:
        with transaction.atomic():
            # the session, with the member's attendance and whether they hold a receipt for any of the items:
            # the sheet's checks read them from this one row (_sheet_refusal), not with a query each
            session = _sheet_session(session.pk, member.pk, item_ids)
            actor, not_member = _voter(actor, session)
            # concurrent sheets go on together; closing an item waits for them (a share lock on PostgreSQL,
            # taken by the statement that reads the items)
            items = _share_locked(session.pk, item_ids)
            if len(items) != len(item_ids):
                raise ValidationError({"choices": _("Phiếu có mục không thuộc chương trình phiên họp này.")})
            if session.voting_mode == VotingMode.ITEM_BY_ITEM:
                refused = BallotConflict(
                    _("Phiên họp biểu quyết từng mục: hãy bỏ phiếu cho mục đang mở."), "not_open"
                )
            elif Choice.ABSTAIN in choices.values() and not session.abstain_allowed:
                raise ValidationError({"choices": _("Phiên họp này không có lựa chọn «không biểu quyết».")})
            else:
                refused = _sheet_refusal(session, items, member, not_member)
            if refused is None:
                # a concurrent sheet of the same member wrote its receipts first: the unique constraint
                # refuses these, and the whole transaction (nothing written yet) rolls back
                _insert_receipts(items, member)
                _insert_ballots(items, choices)
                audit.record(
                    subject=session,
                    actor=actor,
                    verb="ballot_sheet_cast",
                    data={"member": member.username, "items": item_ids},
                )
                return len(items)
    except _ConcurrentSheet:
        refused = _second_ballot()
    with transaction.atomic():
        audit.record(
            subject=session,
            actor=actor,
            verb="ballot_refused",
            comment=str(getattr(refused, "message", refused)),
            data={
                "member": getattr(member, "username", None),
                "items": item_ids,
                "reason": getattr(refused, "code", ""),
            },
        )
    raise refused


class _ConcurrentSheet(Exception):
    """The receipts' insert met the unique constraint: another sheet of the member committed meanwhile."""


def _sheet_session(session_pk: int, member_pk, item_ids: list[int]) -> Session:
    """The session row for a ballot sheet, annotated with what its checks need about `member_pk` (their
    attendance, a receipt, a recorded recusal or a unit role in a proposing unit on any of the items); the
    statement compiled once per number of items (selectors.fixed_read)."""
    if member_pk is None:
        return Session.objects.get(pk=session_pk)

    def build(pk, member_id, *ids):
        return Session.objects.annotate(
            sheet_attendance=models.Subquery(
                Attendance.objects.filter(session=models.OuterRef("pk"), member_id=member_id).values(
                    "status"
                )[:1]
            ),
            sheet_voted=models.Exists(BallotReceipt.objects.filter(item_id__in=ids, member_id=member_id)),
            sheet_recused=models.Exists(Recusal.objects.filter(item_id__in=ids, member_id=member_id)),
            # a unit role, on the meeting day, in a unit proposing one of the items (automatic recusal)
            sheet_in_unit=models.Exists(
                Membership.objects.filter(
                    active_q(models.OuterRef("planned_on")),
                    user_id=member_id,
                    role__in=UNIT_ROLES,
                    unit_id__in=AgendaItem.objects.filter(pk__in=ids, proposing_unit_id__isnull=False).values(
                        "proposing_unit_id"
                    ),
                )
            ),
        ).filter(pk=pk)

    compiler, rows = selectors.fixed_read(
        ("sheet_session", len(item_ids)),
        Session,
        ("int",) * (2 + len(item_ids)),
        build,
        (session_pk, member_pk, *item_ids),
    )
    if not rows:
        raise Session.DoesNotExist("Session matching query does not exist.")
    return selectors.fixed_instances(compiler, rows)[0]


def _share_locked(session_pk: int, item_ids: list[int]) -> list[AgendaItem]:
    """The session's items among `item_ids` (ordered by primary key), on PostgreSQL share-locked by the same
    statement (FOR SHARE: sheets go on together, closing an item waits for them); elsewhere read as they are."""
    from django.db import connection

    compiler, rows = selectors.fixed_read(
        ("sheet_items", len(item_ids)),
        AgendaItem,
        ("int",) * (1 + len(item_ids)),
        lambda session, *ids: AgendaItem.objects.filter(session=session, pk__in=ids).order_by("pk"),
        (session_pk, *item_ids),
        suffix=" FOR SHARE" if connection.vendor == "postgresql" else "",
    )
    return selectors.fixed_instances(compiler, rows)


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT of `rows` (values ready for the database) into `model`'s table in as few statements as the
    backend allows, each statement's text fixed by its number of rows."""
    from django.db import connections, router

    from workflows.db import fixed_statement_cursor

    db = router.db_for_write(model)
    connection = connections[db]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in columns]
    batch = max(1, connection.ops.bulk_batch_size(fields, rows))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with fixed_statement_cursor(connection) as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])


def _insert_receipts(items: list[AgendaItem], member) -> None:
    """The member's receipts for `items` ("has voted", no choice); _ConcurrentSheet on the unique constraint."""
    try:
        _insert_rows(
            BallotReceipt, ["item", "member", "written"], [(item.pk, member.pk, False) for item in items]
        )
    except IntegrityError as exc:
        raise _ConcurrentSheet from exc


def _insert_ballots(items: list[AgendaItem], choices: dict[int, str]) -> None:
    """The sealed ballots of a sheet, in the items' order, each with a fresh random id (uuid4, the field's
    default) and no member: written apart from the receipts, as Ballot.objects.bulk_create wrote them."""
    from django.db import connections, router

    connection = connections[router.db_for_write(Ballot)]
    id_field, sealed_field = Ballot._meta.get_field("id"), Ballot._meta.get_field("sealed")
    _insert_rows(
        Ballot,
        ["id", "item", "sealed"],
        [
            (
                id_field.get_db_prep_save(id_field.get_default(), connection),
                item.pk,
                sealed_field.get_db_prep_save(sealing.seal_choice(item.pk, choices[item.pk]), connection),
            )
            for item in items
        ],
    )


def _sheet_refusal(
    session: Session, items: list[AgendaItem], member, not_member: Exception | None
) -> Exception | None:
    """Why `member` may not cast this sheet (checked for all items with a handful of queries), or None."""
    if not_member is not None:
        return not_member
    if session.state != SessionState.VOTING:
        return BallotConflict(_("Phiên họp không trong thời gian bỏ phiếu."), "closed")
    for item in items:
        if item.state != ItemState.PENDING:
            return BallotConflict(
                _("Đã kết thúc bỏ phiếu cho mục «%(item)s»; không thể bỏ hoặc thay đổi phiếu.")
                % {"item": item.title},
                "closed",
            )
    absent = _absence_refusal(session, member, getattr(session, "sheet_attendance", _UNREAD))
    if absent is not None:
        return absent
    recorded = (
        set(Recusal.objects.filter(item__in=items, member=member).values_list("item_id", flat=True))
        if getattr(session, "sheet_recused", True)  # read with the session: none recorded, no query
        else set()
    )
    member_units = (
        selectors.unit_ids_of(member, session.planned_on)
        if getattr(session, "sheet_in_unit", True)  # read with the session: in no proposing unit, no query
        else set()
    )
    for item in items:
        automatic = (item.proposing_unit_id in member_units) or item.nominee_user_id == member.pk
        if item.pk in recorded or automatic:
            return BallotRefused(
                _("Bạn không tham gia biểu quyết mục «%(item)s».") % {"item": item.title}, "recused"
            )
    voted = getattr(session, "sheet_voted", None)
    if voted is None:
        voted = BallotReceipt.objects.filter(item__in=items, member=member).exists()
    if voted:
        return _second_ballot()
    return None


def _audit_refusal(item: AgendaItem, actor: audit.Actor, member, error: Exception) -> None:
    with transaction.atomic():
        audit.record(
            subject=item,
            actor=actor,
            verb="ballot_refused",
            comment=str(getattr(error, "message", error)),
            data={
                "member": getattr(member, "username", None),
                "item": item.pk,
                "reason": getattr(error, "code", ""),
            },
        )


def _written_items(locked: Session, member, choices: dict[int, str]) -> list[AgendaItem]:
    """The items of a written vote, each open for written votes and for this member; refusals name the item."""
    items = []
    for item_id, choice in sorted(choices.items()):
        item = AgendaItem.objects.select_for_update().filter(session=locked, pk=item_id).first()
        if item is None:
            raise ValidationError({"choices": _("Mục %(id)s không thuộc phiên họp này.") % {"id": item_id}})
        if choice not in Choice.values or (choice == Choice.ABSTAIN and not locked.abstain_allowed):
            raise ValidationError(
                {"choices": _("Lựa chọn không hợp lệ cho mục «%(item)s».") % {"item": item.title}}
            )
        if not item.written_votes_allowed:
            raise ValidationError(
                {"choices": _("Mục «%(item)s» không nhận phiếu bằng văn bản.") % {"item": item.title}}
            )
        if item.state != ItemState.PENDING:
            raise engine.TransitionNotAllowed(_("Mục «%(item)s» đã kiểm phiếu.") % {"item": item.title})
        if selectors.recusal_reason(item, member):
            raise ValidationError(
                {"choices": _("Thành viên không tham gia biểu quyết mục «%(item)s».") % {"item": item.title}}
            )
        if BallotReceipt.objects.filter(item=item, member=member).exists():
            raise engine.TransitionNotAllowed(
                _("Thành viên đã có phiếu cho mục «%(item)s».") % {"item": item.title}
            )
        items.append(item)
    return items


def written_vote_record(*, session: Session, member, choices: dict[int, str], document, actor) -> WrittenVote:
    """The secretary records the signed written vote (a PDF) of a member marked absent (DOMAIN.md §3). It counts
    only once a second person confirms it (written_vote_confirm); meanwhile its choices are sealed and the member
    can vote neither directly (they are absent) nor in writing again. Audited, without the choices."""
    actor = require(policies.may_record_written_vote, actor, session)
    if actor.user is not None and actor.user.pk == member.pk:
        raise engine.ActionForbidden(_("Thư ký không tự ghi nhận phiếu bằng văn bản của chính mình."))
    if not document:
        raise ValidationError(
            {"document": _("Cần đính kèm văn bản gửi phiếu (PDF có chữ ký) của thành viên.")}
        )
    try:
        content, sha256 = read_pdf(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.message_dict.get("file", exc.messages)}) from exc
    if not choices:
        raise ValidationError({"choices": _("Cần ghi lựa chọn cho ít nhất một mục.")})
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if not locked.written_votes_allowed:
            raise ValidationError(
                {"document": _("Quy chế của hội đồng không cho phép gửi phiếu bằng văn bản.")}
            )
        if locked.state != SessionState.VOTING:
            raise engine.TransitionNotAllowed(_("Chỉ nhận phiếu bằng văn bản khi phiên họp đang bỏ phiếu."))
        if member.pk not in selectors.member_ids(locked):
            raise ValidationError({"member": _("Người này không phải thành viên hội đồng vào ngày họp.")})
        attendance = Attendance.objects.select_for_update().filter(session=locked, member=member).first()
        if attendance is not None and attendance.status == AttendanceStatus.ABSENT_WRITTEN:
            raise engine.TransitionNotAllowed(
                _("Đã có phiếu bằng văn bản của %(name)s (chờ xác nhận hoặc đã xác nhận).")
                % {"name": full_name(member)}
            )
        if attendance is None or attendance.status != AttendanceStatus.ABSENT:
            raise ValidationError(
                {
                    "member": _(
                        "Chỉ nhận phiếu bằng văn bản của thành viên đã được điểm danh vắng mặt; "
                        "%(name)s đang ở tình trạng «%(status)s»."
                    )
                    % {
                        "name": full_name(member),
                        "status": attendance.get_status_display() if attendance else _("chưa điểm danh"),
                    }
                }
            )
        items = _written_items(locked, member, choices)
        vote = WrittenVote(
            session=locked,
            member=member,
            item_ids=[item.pk for item in items],
            sealed_choices=sealing.seal_sheet(
                locked.pk, member.pk, {item.pk: choices[item.pk] for item in items}
            ),
            document_sha256=sha256,
            recorded_by=actor.user,
        )
        vote.document.save(
            pdf_name(getattr(document, "name", ""), "phieu-van-ban.pdf"), ContentFile(content), save=False
        )
        try:
            with transaction.atomic():
                vote.save()
        except IntegrityError:
            vote.document.delete(save=False)
            raise engine.TransitionNotAllowed(
                _("Đã có phiếu bằng văn bản của %(name)s.") % {"name": full_name(member)}
            ) from None
        attendance.status = AttendanceStatus.ABSENT_WRITTEN
        attendance.save(update_fields=["status"])
        audit.record(
            subject=locked,
            actor=actor,
            verb="written_vote_recorded",
            data={
                "member": member.username,
                "written_vote": vote.pk,
                "items": vote.item_ids,
                "document_sha256": sha256,
            },
        )
    return vote


def _locked_pending(vote: WrittenVote) -> tuple[Session, WrittenVote]:
    locked_session = _locked_session(vote.session_id)
    locked = WrittenVote.objects.select_for_update().select_related("member").get(pk=vote.pk)
    if locked.status != WrittenVoteStatus.PENDING:
        raise engine.TransitionNotAllowed(
            _("Phiếu bằng văn bản này đã được xử lý (%(status)s).") % {"status": locked.get_status_display()}
        )
    return locked_session, locked


def written_vote_choices(*, vote: WrittenVote, actor) -> dict[int, str]:
    """What the secretary entered, for the person who compares it with the signed PDF before confirming."""
    require(policies.may_decide_written_vote, actor, vote, verb=_("xem"))
    if vote.status != WrittenVoteStatus.PENDING or not vote.sealed_choices:
        return {}
    try:
        return sealing.open_sheet(vote.session_id, vote.member_id, vote.sealed_choices)
    except sealing.BrokenSeal:
        return {}  # the key changed: nothing to show; confirming refuses with the reason, rejecting still works


def written_vote_confirm(*, vote: WrittenVote, actor) -> list[BallotReceipt]:
    """A second person confirms a pending written vote against its signed PDF: it then counts, as one receipt and
    one sealed ballot per item (like a direct vote), and its sealed choices are erased. Audited, no choices."""
    actor = require(policies.may_decide_written_vote, actor, vote, verb=_("xác nhận"))
    with transaction.atomic():
        session, locked = _locked_pending(vote)
        if session.state != SessionState.VOTING:
            raise engine.TransitionNotAllowed(_("Phiên họp không còn trong thời gian bỏ phiếu."))
        try:
            choices = sealing.open_sheet(session.pk, locked.member_id, locked.sealed_choices or b"")
        except sealing.BrokenSeal:
            raise engine.TransitionNotAllowed(
                _(
                    "Không mở được nội dung phiếu bằng văn bản (khóa niêm phong phiếu đã thay đổi); hãy trả lại."
                )
            ) from None
        items = list(
            AgendaItem.objects.select_for_update().filter(session=session, pk__in=choices).order_by("pk")
        )
        for item in items:
            if item.state != ItemState.PENDING:
                raise engine.TransitionNotAllowed(
                    _(
                        "Mục «%(item)s» đã kiểm phiếu hoặc đã nhập kết quả kiểm phiếu giấy; hãy trả lại phiếu này."
                    )
                    % {"item": item.title}
                )
        if len(items) != len(choices):
            raise engine.TransitionNotAllowed(_("Phiếu bằng văn bản có mục không còn thuộc phiên họp."))
        try:
            with transaction.atomic():
                receipts = BallotReceipt.objects.bulk_create(
                    [BallotReceipt(item=item, member=locked.member, written=True) for item in items]
                )
        except IntegrityError:
            raise engine.TransitionNotAllowed(
                _("Thành viên đã có phiếu cho một mục của phiếu này.")
            ) from None
        Ballot.objects.bulk_create(
            [Ballot(item_id=item.pk, sealed=sealing.seal_choice(item.pk, choices[item.pk])) for item in items]
        )
        locked.status = WrittenVoteStatus.CONFIRMED
        locked.decided_by = actor.user
        locked.sealed_choices = None
        locked.save(update_fields=["status", "decided_by", "sealed_choices"])
        audit.record(
            subject=session,
            actor=actor,
            verb="written_vote_confirmed",
            data={"member": locked.member.username, "written_vote": locked.pk, "items": locked.item_ids},
        )
    return receipts


def written_vote_reject(*, vote: WrittenVote, reason: str, actor) -> WrittenVote:
    """The second person sends back a written vote that does not match its signed PDF, with a reason: it never
    counts, its sealed choices are erased, the member is absent again and the secretary may record it anew."""
    actor = require(policies.may_decide_written_vote, actor, vote, verb=_("trả lại"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Cần nêu lý do trả lại phiếu bằng văn bản.")})
    with transaction.atomic():
        session, locked = _locked_pending(vote)
        locked.status = WrittenVoteStatus.REJECTED
        locked.decided_by = actor.user
        locked.sealed_choices = None
        locked.reject_reason = reason[:500]
        locked.save(update_fields=["status", "decided_by", "sealed_choices", "reject_reason"])
        Attendance.objects.filter(
            session=session, member_id=locked.member_id, status=AttendanceStatus.ABSENT_WRITTEN
        ).update(status=AttendanceStatus.ABSENT)
        audit.record(
            subject=session,
            actor=actor,
            verb="written_vote_rejected",
            comment=locked.reject_reason,
            data={"member": locked.member.username, "written_vote": locked.pk, "items": locked.item_ids},
        )
    return locked


# -- outside experts invited to one session (the object grant councils.attend_session) -------------------------


def session_invite_expert(*, session: Session, user, actor, reason: str) -> None:
    """A Board officer or head, or the council's secretary, invites `user` (who holds no role on the term) to
    this one session as an outside expert: they then see its page, agenda and documents, and never vote nor
    count in the quorum (councils.policies). A django-guardian grant, audited on the session as
    permission_granted with the reason. Refused next to the field: no reason, an administrator, an inactive
    account, a member of the term, someone already invited; refused for a cancelled session."""
    actor = require(policies.may_invite_expert, actor, session)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Cần nêu lý do mời chuyên gia (nội dung cần ý kiến).")})
    if (refusal := policies.expert_refusal(session, user)) is not None:
        raise ValidationError({"user": refusal})
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if locked.state == SessionState.CANCELLED:
            raise engine.TransitionNotAllowed(_("Phiên họp đã hủy; không mời chuyên gia được nữa."))
        if has_grant(user, policies.EXPERT_GRANT, locked):
            raise ValidationError(
                {"user": _("%(name)s đã được mời dự phiên họp này.") % {"name": full_name(user)}}
            )
        grant(
            user,
            policies.EXPERT_GRANT,
            locked,
            actor=actor,
            data={"session": locked.pk, "invitation_note": reason[:500]},
        )


def session_uninvite_expert(*, session: Session, user, actor, reason: str = "") -> None:
    """The same people withdraw an invitation: the expert no longer sees the session. Audited on the session as
    permission_revoked. Refused (next to the field) when `user` was not invited."""
    actor = require(policies.may_invite_expert, actor, session)
    data = {"session": session.pk}
    if (reason or "").strip():
        data["invitation_note"] = reason.strip()[:500]
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if not revoke(user, policies.EXPERT_GRANT, locked, actor=actor, data=data):
            raise ValidationError(
                {"user": _("%(name)s không được mời dự phiên họp này.") % {"name": full_name(user)}}
            )


def session_close_voting(*, session: Session, user, client_ip: str | None = None) -> Session:
    """Count every item still open, then close the session's voting; all or nothing. The items' counts and the
    session's own step are one closing (selectors.closing_session: the session row stays locked, so attendance
    cannot change): the member list and the quorum are read once for both."""
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if locked.state == SessionState.VOTING:
            with selectors.closing_session(locked):
                # lock every open item at once (ballots wait for these locks), then count them all in one query
                items = _locked_open_items(locked)
                selectors.preload_tallies(locked, [item.pk for item in items])
                _close_ballots(items, locked, user=user, client_ip=client_ip)
                discard_session_ballots(locked)
                return engine.perform(locked, "close_voting", user=user, client_ip=client_ip)
        return engine.perform(locked, "close_voting", user=user, client_ip=client_ip)


def _for_update() -> str:
    from django.db import connections, router

    connection = connections[router.db_for_write(Session)]
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def _locked_session(pk: int) -> Session:
    """Session.objects.select_for_update().get(pk=pk), its statement compiled once (selectors.fixed_read)."""
    compiler, rows = selectors.fixed_read(
        "locked_session",
        Session,
        ("int",),
        lambda pk: Session.objects.filter(pk=pk),
        (pk,),
        suffix=_for_update(),
    )
    if not rows:
        raise Session.DoesNotExist("Session matching query does not exist.")
    return selectors.fixed_instances(compiler, rows)[0]


def _locked_open_items(locked: Session) -> list[AgendaItem]:
    """locked.items.select_for_update().filter(state=PENDING).order_by("order", "pk"), compiled once; each item's
    session is the locked row, as the related manager gives it."""
    compiler, rows = selectors.fixed_read(
        "locked_open_items",
        AgendaItem,
        ("int",),
        lambda pk: AgendaItem.objects.filter(session=pk, state=ItemState.PENDING).order_by("order", "pk"),
        (locked.pk,),
        suffix=_for_update(),
    )
    items = selectors.fixed_instances(compiler, rows)
    field = AgendaItem._meta.get_field("session")
    for item in items:
        field.set_cached_value(item, locked)
    return items


def _close_ballots(items: list[AgendaItem], locked: Session, *, user, client_ip) -> None:
    """close_ballot on every open item of a closing session, in agenda order: one engine.perform_many (one lock
    statement, the same checks per item, the audit events appended together in the items' order) when the agenda
    order is the items' creation order, as it is unless items were reordered; otherwise, or when an item is
    refused, one engine.perform per item, so that the first item refused in agenda order says why, as before."""
    pks = [item.pk for item in items]
    if len(items) > 1 and pks == sorted(pks):
        try:
            engine.perform_many(items, "close_ballot", user=user, client_ip=client_ip)
        except engine.BatchRefused:
            pass  # nothing was written: the one-by-one path below raises the first refusal in agenda order
        else:
            return
    for item in items:
        engine.perform(
            item, "close_ballot", user=user, client_ip=client_ip, locked_related={"session": locked}
        )


def council_session_start(activity, actor) -> Session:
    """Plan process "council_session": a planned session of the city emulation council's current term."""
    from organisations.models import CouncilKind

    due = getattr(activity, "due_date", None) or getattr(activity, "due_on", None)
    terms = CouncilTerm.objects.filter(council__kind=CouncilKind.EMULATION).select_related("council")
    term = None
    if due is not None:
        term = (
            terms.filter(starts_on__lte=due)
            .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=due))
            .order_by("-starts_on")
            .first()
        )
    term = term or terms.order_by("-starts_on").first()
    if term is None:
        raise ValidationError(_("Chưa có nhiệm kỳ của Hội đồng Thi đua - Khen thưởng để lập phiên họp."))
    text = str(getattr(activity, "title", "") or getattr(activity, "content", "") or activity)
    title = text if len(text) <= 300 else text[:299] + "…"
    return _session_create(
        council_term=term,
        title=title,
        planned_on=due or timezone.localdate(),
        actor=actor if isinstance(actor, audit.Actor) else audit.Actor(user=actor),
        source=activity,
    )


def council_session_is_finished(session: Session) -> bool:
    """The plan activity is done once the session's result is issued (a cancelled session is not done)."""
    return session.state == SessionState.RESOLUTION_ISSUED


# -- configuration: a council's voting rule (audited with before/after values; workflows.config) ------------


def council_rule_save(*, rule, actor: audit.Actor):
    """Create or change a council's rule (quorum, abstention, written votes); audited with before/after.

    Sessions already created keep the rule they copied."""
    from workflows.config import config_save

    return config_save(rule, actor=actor)


def council_rule_update(*, rule, actor: audit.Actor, **changes):
    """Change the named fields of a council's rule; audited with before/after."""
    from workflows.config import config_update

    return config_update(rule, actor=actor, **changes)
