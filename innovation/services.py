"""Writes of the innovation app. State changes go through workflows.engine; other writes that matter are audited."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from councils import services as council_services
from councils.registry import AgendaTerms, ItemResult, Threshold, ThresholdBase
from dossiers.initiative_scope import (
    CENTRAL_RECOGNITION_REQUIRED,
    SCOPE_EXCEEDS_COUNCIL,
    central_recognition_errors,
    scope_exceeds_council,
)
from dossiers.models import InitiativeRecognition, Nominee
from dossiers.models.catalogue import AwardLevel
from organisations.models import CouncilKind, CouncilTerm
from workflows import audit, engine
from workflows.lifecycle import internal_step
from workflows.models import Role
from workflows.policies import grant, revoke
from workflows.uploads import pdf_name, read_pdf

from .models import (
    PUBLISHED_ROUND_STATES,
    Author,
    ConflictDeclaration,
    Criterion,
    Evidence,
    Initiative,
    InitiativeState,
    Review,
    ReviewAssignment,
    Round,
    RoundState,
    Score,
)
from .policies import (
    REVIEW_GRANT,
    may_add_evidence,
    may_assign_reviewers,
    may_choose_reviewers,
    may_declare_conflict,
    may_edit_authors,
    may_import_initiatives,
    may_open_round,
    may_record_central_recognition,
    may_score_initiative,
    may_send_to_council,
    may_submit_initiative,
    require,
    unit_ids_of,
)
from .selectors import reviewer_load

#: Default criteria after the provinces' practice (DOMAIN.md §6: novelty, applicability, effect, scope).
DEFAULT_CRITERIA = (
    ("Tính mới, tính sáng tạo", Decimal("30")),
    ("Khả năng áp dụng, nhân rộng", Decimal("25")),
    ("Hiệu quả mang lại", Decimal("30")),
    ("Phạm vi ảnh hưởng", Decimal("15")),
)
#: Hội đồng sáng kiến: secret ballot, ≥ 2/3 of the members agreeing (TT 18/2013/TT-BKHCN Đ.8).
COUNCIL_THRESHOLD = Threshold(
    percent=Decimal("66.67"), base=ThresholdBase.TOTAL_MEMBERS, ratio=(2, 3), secret_ballot=True
)
INITIATIVE_FIELDS = (
    "title",
    "field",
    "summary",
    "problem",
    "solution",
    "first_applied_on",
    "benefits",
    "requested_scope",
    "lower_recognition",
)


# -- rounds ---------------------------------------------------------------------------------------------
@transaction.atomic
def round_create(
    *,
    council_term: CouncilTerm,
    title: str,
    submission_opens_on: date,
    submission_closes_on: date,
    actor,
    fields: str = "",
    criteria: list[tuple[str, Decimal]] | None = None,
    pass_score: Decimal | None = None,
    reviewers_per_initiative: int = 2,
    spread_threshold: Decimal | None = None,
) -> Round:
    """The Board opens a round of an innovation council term, with its criteria (default: DEFAULT_CRITERIA)."""
    actor = require(may_open_round, actor)
    if council_term.council.kind != CouncilKind.INNOVATION:
        raise ValidationError({"council_term": _("Đợt xét sáng kiến phải thuộc một Hội đồng sáng kiến.")})
    if not title.strip():
        raise ValidationError({"title": _("Cần nhập tên đợt.")})
    if submission_closes_on < submission_opens_on:
        raise ValidationError({"submission_closes_on": _("Ngày kết thúc nhận hồ sơ phải sau ngày bắt đầu.")})
    if reviewers_per_initiative < 1:
        raise ValidationError({"reviewers_per_initiative": _("Mỗi sáng kiến cần ít nhất một người chấm.")})
    round_ = Round(
        council_term=council_term,
        title=title.strip()[:300],
        fields=fields,
        submission_opens_on=submission_opens_on,
        submission_closes_on=submission_closes_on,
        reviewers_per_initiative=reviewers_per_initiative,
    )
    if pass_score is not None:
        round_.pass_score = pass_score
    if spread_threshold is not None:
        round_.spread_threshold = spread_threshold
    round_.save()
    for order, (name, points) in enumerate(criteria or DEFAULT_CRITERIA, start=1):
        Criterion.objects.create(round=round_, order=order, name=name, max_points=points)
    audit.record(
        subject=round_,
        actor=actor,
        verb="create",
        target_state=round_.state,
        data={"title": round_.title, "council_term": council_term.pk},
    )
    return round_


def round_reviewers_set(*, round_: Round, reviewers, actor) -> None:
    """The Board names the round's pool of reviewers (experts in the field)."""
    actor = require(may_choose_reviewers, actor, round_)
    with transaction.atomic():
        round_.reviewers.set(reviewers)
        audit.record(
            subject=round_,
            actor=actor,
            verb="set_reviewers",
            data={"reviewers": sorted(user.pk for user in reviewers)},
        )


def round_start_from_activity(activity, actor) -> Round:
    """Plan process "innovation_round": a round of the city innovation council's current term."""
    today = timezone.localdate()
    terms = CouncilTerm.objects.filter(council__kind=CouncilKind.INNOVATION).select_related("council")
    term = (
        terms.filter(starts_on__lte=today)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))
        .order_by("-starts_on", "-pk")
        .first()
    )
    if term is None:
        raise ValidationError(_("Chưa có nhiệm kỳ hiện hành của Hội đồng sáng kiến thành phố để mở đợt xét."))
    text = str(getattr(activity, "title", "") or activity)
    due = getattr(activity, "due_date", None) or getattr(activity, "due_on", None)
    closes = due if due is not None and due >= today else today + timedelta(days=30)
    if not isinstance(actor, audit.Actor):
        actor = audit.Actor(user=actor, role="")
    with transaction.atomic():
        round_ = Round.objects.create(
            council_term=term,
            title=text if len(text) <= 300 else text[:299] + "…",
            submission_opens_on=today,
            submission_closes_on=closes,
        )
        for order, (name, points) in enumerate(DEFAULT_CRITERIA, start=1):
            Criterion.objects.create(round=round_, order=order, name=name, max_points=points)
        audit.record(
            subject=round_,
            actor=actor,
            verb="create",
            target_state=round_.state,
            data={"title": round_.title, "council_term": term.pk, "activity": activity.pk},
        )
    return round_


def round_is_finished(round_: Round) -> bool:
    """The plan activity is done once the round's results are published."""
    return round_.state in PUBLISHED_ROUND_STATES


# -- initiatives ----------------------------------------------------------------------------------------
def _clean_authors(authors: list[dict]) -> list[dict]:
    """Each author has a name, a unit and a share; the shares sum to exactly 100 %."""
    if not authors:
        raise ValidationError({"authors": _("Sáng kiến phải có ít nhất một tác giả.")})
    cleaned = []
    total = Decimal(0)
    for index, author in enumerate(authors, start=1):
        name = " ".join(str(author.get("full_name", "")).split())
        if not name:
            raise ValidationError({"authors": _("Tác giả thứ %(n)d chưa có họ tên.") % {"n": index}})
        if author.get("unit") is None:
            raise ValidationError({"authors": _("Tác giả «%(name)s» chưa có đơn vị.") % {"name": name}})
        try:
            share = Decimal(str(author.get("share"))).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError(
                {"authors": _("Tỷ lệ đóng góp của «%(name)s» không hợp lệ.") % {"name": name}}
            ) from None
        if not Decimal(0) < share <= Decimal(100):
            raise ValidationError(
                {
                    "authors": _("Tỷ lệ đóng góp của «%(name)s» phải lớn hơn 0 và không quá 100 %%.")
                    % {"name": name}
                }
            )
        total += share
        cleaned.append(
            {"full_name": name, "unit": author["unit"], "share": share, "user": author.get("user")}
        )
    if total != Decimal(100):
        raise ValidationError(
            {
                "authors": _(
                    "Tổng tỷ lệ đóng góp của các tác giả phải bằng đúng 100 %% (hiện là %(total)s %%)."
                )
                % {"total": f"{total.normalize():f}".replace(".", ",")}
            }
        )
    names = [a["full_name"].casefold() for a in cleaned]
    if len(set(names)) != len(names):
        raise ValidationError({"authors": _("Một tác giả được khai hai lần.")})
    return cleaned


def _submission_window_check(round_: Round, today: date) -> None:
    if round_.state != RoundState.OPEN or not (
        round_.submission_opens_on <= today <= round_.submission_closes_on
    ):
        raise engine.TransitionNotAllowed(
            _("Đợt «%(round)s» không nhận hồ sơ (thời hạn nộp từ %(start)s đến %(end)s).")
            % {
                "round": round_.title,
                "start": round_.submission_opens_on.strftime("%d/%m/%Y"),
                "end": round_.submission_closes_on.strftime("%d/%m/%Y"),
            }
        )


def _prepare_initiative(
    *, round_: Round, unit, data: dict, authors: list[dict], user, today: date
) -> tuple[Initiative, list[dict]]:
    """Validate an initiative and its authors without saving anything (ValidationError on bad input)."""
    cleaned_authors = _clean_authors(authors)
    initiative = Initiative(
        round=round_,
        unit=unit,
        submitted_by=user,
        **{k: data.get(k) for k in INITIATIVE_FIELDS if k in data},
    )
    initiative.lower_recognition = initiative.lower_recognition or ""
    try:
        initiative.full_clean(exclude=["round", "unit", "submitted_by", "state"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    if initiative.first_applied_on > today:
        raise ValidationError(
            {"first_applied_on": _("Sáng kiến phải đã được áp dụng (ngày áp dụng không ở tương lai).")}
        )
    too_wide = scope_exceeds_council(initiative.requested_scope, round_.council_term.council)
    if too_wide:
        raise ValidationError({"requested_scope": ValidationError(too_wide, code=SCOPE_EXCEEDS_COUNCIL)})
    return initiative, cleaned_authors


def _save_initiative(
    initiative: Initiative, cleaned_authors: list[dict], actor: audit.Actor, extra: dict | None = None
) -> Initiative:
    """Store a prepared initiative with its authors and audit its submission (verb "submit")."""
    initiative.save()
    Author.objects.bulk_create(Author(initiative=initiative, **author) for author in cleaned_authors)
    audit.record(
        subject=initiative,
        actor=actor,
        verb="submit",
        target_state=initiative.state,
        data={
            "round": initiative.round_id,
            "unit": initiative.unit_id,
            "authors": [[a["full_name"], str(a["share"])] for a in cleaned_authors],
            **(extra or {}),
        },
    )
    return initiative


@transaction.atomic
def initiative_submit(*, round_: Round, unit, data: dict, authors: list[dict], actor) -> Initiative:
    """A unit officer (or head) submits an initiative of their unit while the round is open, within its window."""
    actor = require(may_submit_initiative, actor, unit)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    today = timezone.localdate()
    _submission_window_check(round_, today)
    initiative, cleaned_authors = _prepare_initiative(
        round_=round_, unit=unit, data=data, authors=authors, user=actor.user, today=today
    )
    return _save_initiative(initiative, cleaned_authors, actor)


class ImportRefused(ValidationError):
    """An import refused as a whole: `rows` lists (row number, Vietnamese message) for every bad row."""

    def __init__(self, rows: list[tuple[int, str]]):
        self.rows = rows
        super().__init__(
            {
                "rows": [
                    _("Dòng %(row)d: %(message)s") % {"row": number, "message": message}
                    for number, message in rows
                ]
            }
        )


@transaction.atomic
def initiatives_import(*, round_: Round, rows, actor) -> list[Initiative]:
    """The Board enters the paper submissions of an open round from a spreadsheet: `rows` is a list of
    ImportRow (innovation.imports). All or nothing: one bad row refuses the whole file, naming every bad row.
    Each initiative's creation is audited like a unit's submission (verb "submit", with the row number)."""
    actor = require(may_import_initiatives, actor, round_)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    today = timezone.localdate()
    _submission_window_check(round_, today)
    errors: list[tuple[int, str]] = []
    prepared = []
    seen_titles: dict[str, int] = {}
    for row in rows:
        if row.errors:
            errors.extend((row.number, message) for message in row.errors)
            continue
        key = _normalised(str(row.data.get("title", "")))
        if key in seen_titles:
            errors.append(
                (row.number, _("Trùng tên sáng kiến với dòng %(row)d.") % {"row": seen_titles[key]})
            )
            continue
        seen_titles[key] = row.number
        try:
            prepared.append(
                (
                    row.number,
                    _prepare_initiative(
                        round_=round_,
                        unit=row.unit,
                        data=row.data,
                        authors=row.authors,
                        user=actor.user,
                        today=today,
                    ),
                )
            )
        except ValidationError as error:
            errors.extend((row.number, message) for message in _row_messages(error))
    if not rows:
        raise ValidationError({"file": _("Tệp không có dòng sáng kiến nào.")})
    if errors:
        raise ImportRefused(errors)
    return [
        _save_initiative(initiative, authors, actor, {"imported_row": number})
        for number, (initiative, authors) in prepared
    ]


def _row_messages(error: ValidationError) -> list[str]:
    """Vietnamese messages of a ValidationError, each prefixed with the column's label when it has one."""
    if not hasattr(error, "error_dict"):
        return [str(m) for m in error.messages]
    messages = []
    for field, field_errors in error.message_dict.items():
        label = ""
        if field in INITIATIVE_FIELDS:
            label = str(Initiative._meta.get_field(field).verbose_name)
        for message in field_errors:
            messages.append(f"{label[:1].upper()}{label[1:]}: {message}" if label else message)
    return messages


@transaction.atomic
def authors_replace(*, initiative: Initiative, authors: list[dict], actor) -> Initiative:
    """The submitting unit corrects the authors and their shares of a returned initiative (then resubmits)."""
    actor = require(may_edit_authors, actor, initiative)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.state != InitiativeState.RETURNED:
        raise engine.TransitionNotAllowed(_("Chỉ sửa tác giả khi sáng kiến đã được trả lại để bổ sung."))
    cleaned = _clean_authors(authors)
    before = [[a.full_name, str(a.share)] for a in initiative.authors.order_by("-share", "pk")]
    initiative.authors.all().delete()
    Author.objects.bulk_create(Author(initiative=initiative, **author) for author in cleaned)
    audit.record(
        subject=initiative,
        actor=actor,
        verb="authors_update",
        data={"before": before, "after": [[a["full_name"], str(a["share"])] for a in cleaned]},
    )
    return initiative


# -- evidence ------------------------------------------------------------------------------------------
#: States in which the submitting unit may still add evidence.
EVIDENCE_STATES = (InitiativeState.SUBMITTED, InitiativeState.RETURNED, InitiativeState.RESUBMITTED)


def safe_file_name(name: str, default: str = "minh-chung.pdf") -> str:
    """The base name of an uploaded file, without directories, control or shell characters, ending in .pdf."""
    return pdf_name(name, default)


@transaction.atomic
def evidence_upload(*, initiative: Initiative, upload, actor, description: str = "") -> Evidence:
    """The submitting unit (or the Board) attaches a PDF to an initiative before it is screened. Checked like the
    dossiers' documents (non-empty, size limit, real PDF content); nothing is stored when refused."""
    from django.core.files.base import ContentFile

    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    actor = require(may_add_evidence, actor, initiative)
    if initiative.state not in EVIDENCE_STATES:
        raise engine.TransitionNotAllowed(
            _("Chỉ đính kèm minh chứng trước khi sáng kiến qua rà soát (hiện: %(state)s).")
            % {"state": initiative.get_state_display()}
        )
    if upload is None:
        raise ValidationError({"file": _("Chọn tệp PDF minh chứng.")})
    content, digest = read_pdf(upload)
    name = safe_file_name(getattr(upload, "name", ""))
    evidence = Evidence(
        initiative=initiative,
        original_name=name,
        description=" ".join(str(description or "").split())[:255],
        size=len(content),
        sha256=digest,
        uploaded_by=actor.user,
    )
    evidence.file.save(f"{digest[:16]}.pdf", ContentFile(content), save=False)
    evidence.save()
    audit.record(
        subject=initiative,
        actor=actor,
        verb="evidence_upload",
        data={"evidence": evidence.pk, "name": name, "size": len(content), "sha256": digest},
    )
    return evidence


# -- reviewers -----------------------------------------------------------------------------------------
def _normalised(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def reviewer_conflict(initiative: Initiative, reviewer) -> str | None:
    """Why `reviewer` may not review `initiative` (an author, same unit as an author, a declared conflict)."""
    authors = list(initiative.authors.all())
    names = {
        _normalised(f"{reviewer.last_name} {reviewer.first_name}"),
        _normalised(f"{reviewer.first_name} {reviewer.last_name}"),
    } - {""}
    for author in authors:
        if author.user_id == reviewer.pk or _normalised(author.full_name) in names:
            return _("%(reviewer)s là tác giả của sáng kiến «%(title)s»; không được chấm sáng kiến này.") % {
                "reviewer": author.full_name,
                "title": initiative.title,
            }
    reviewer_units = unit_ids_of(reviewer)
    author_units = {author.unit_id for author in authors} | {initiative.unit_id}
    shared = reviewer_units & author_units
    if shared:
        from organisations.models import Unit

        return _("Người chấm công tác cùng đơn vị «%(unit)s» với tác giả sáng kiến «%(title)s».") % {
            "unit": Unit.objects.get(pk=min(shared)).name,
            "title": initiative.title,
        }
    declared = ConflictDeclaration.objects.filter(initiative=initiative, reviewer=reviewer).first()
    if declared is not None:
        return _("Người chấm đã khai báo xung đột lợi ích với sáng kiến «%(title)s»: %(reason)s") % {
            "title": initiative.title,
            "reason": declared.reason,
        }
    return None


@transaction.atomic
def conflict_declare(*, initiative: Initiative, reason: str, actor) -> ConflictDeclaration:
    """A reviewer of the round's pool declares a conflict of interest with an initiative (then they cannot be
    assigned to it)."""
    actor = require(may_declare_conflict, actor, initiative)
    user = actor.user
    if not reason.strip():
        raise ValidationError({"reason": _("Cần nêu lý do xung đột lợi ích.")})
    declaration, _created = ConflictDeclaration.objects.get_or_create(
        initiative=initiative, reviewer=user, defaults={"reason": reason.strip()[:500]}
    )
    audit.record(
        subject=initiative,
        actor=actor,
        verb="declare_conflict",
        comment=declaration.reason,
        data={"reviewer": user.pk},
    )
    return declaration


def reviewers_suggest(initiative: Initiative, load: dict[int, int] | None = None) -> list:
    """Reviewers of the round's pool without a conflict and not yet assigned, fewest assignments first."""
    round_ = initiative.round
    load = reviewer_load(round_) if load is None else load
    taken = set(initiative.assignments.values_list("reviewer_id", flat=True))
    candidates = [user for user in round_.reviewers.all() if user.pk not in taken]
    free = [user for user in candidates if reviewer_conflict(initiative, user) is None]
    free.sort(key=lambda user: (load.get(user.pk, 0), user.pk))
    return free[: max(round_.reviewers_per_initiative - len(taken), 0)]


def _grant_review(assignment: ReviewAssignment, actor: audit.Actor) -> None:
    """The assigned reviewer gets the object grant to score and read the initiative (innovation.policies),
    audited as permission_granted on the assignment (the initiative's own history keeps assign_reviewer)."""
    grant(
        assignment.reviewer,
        REVIEW_GRANT,
        assignment.initiative,
        actor=actor,
        subject=assignment,
        data={"initiative": assignment.initiative_id, "reviewer": assignment.reviewer_id},
    )


def _assign(initiative: Initiative, reviewer, actor: audit.Actor) -> ReviewAssignment:
    conflict = reviewer_conflict(initiative, reviewer)
    if conflict:
        raise ValidationError({"reviewer": conflict})
    if initiative.assignments.filter(reviewer=reviewer).exists():
        raise ValidationError({"reviewer": _("Người này đã được phân công chấm sáng kiến này.")})
    if initiative.assignments.count() >= initiative.round.reviewers_per_initiative:
        raise ValidationError(
            {
                "reviewer": _("Sáng kiến đã đủ %(n)d người chấm.")
                % {"n": initiative.round.reviewers_per_initiative}
            }
        )
    assignment = ReviewAssignment.objects.create(
        initiative=initiative, reviewer=reviewer, assigned_by=actor.user
    )
    _grant_review(assignment, actor)
    audit.record(subject=initiative, actor=actor, verb="assign_reviewer", data={"reviewer": reviewer.pk})
    return assignment


def _check_assignable(initiative: Initiative) -> None:
    if initiative.round.state != RoundState.SCREENING or initiative.state != InitiativeState.SCREENED:
        raise engine.TransitionNotAllowed(
            _("Chỉ phân công người chấm cho sáng kiến đã qua rà soát, khi đợt đang rà soát.")
        )


@transaction.atomic
def reviewer_assign(*, initiative: Initiative, reviewer, actor) -> ReviewAssignment:
    """The Board assigns one reviewer; refused with the reason when the reviewer has a conflict."""
    actor = require(may_assign_reviewers, actor, initiative)
    initiative = Initiative.objects.select_related("round").get(pk=initiative.pk)
    _check_assignable(initiative)
    return _assign(initiative, reviewer, actor)


@transaction.atomic
def reviewer_unassign(*, initiative: Initiative, reviewer, actor) -> None:
    """The Board takes a reviewer off an initiative before reviews open (a conflict found late, an expert who
    cannot serve); their review grant goes with the assignment (audited as permission_revoked)."""
    actor = require(may_assign_reviewers, actor, initiative)
    initiative = Initiative.objects.select_for_update().select_related("round").get(pk=initiative.pk)
    _check_assignable(initiative)
    assignment = initiative.assignments.filter(reviewer=reviewer).first()
    if assignment is None:
        raise ValidationError({"reviewer": _("Người này không được phân công chấm sáng kiến này.")})
    revoke(
        reviewer,
        REVIEW_GRANT,
        initiative,
        actor=actor,
        subject=assignment,
        data={"initiative": initiative.pk, "reviewer": reviewer.pk},
    )
    assignment.delete()
    audit.record(subject=initiative, actor=actor, verb="unassign_reviewer", data={"reviewer": reviewer.pk})


@transaction.atomic
def assignments_balance(*, round_: Round, actor) -> int:
    """Assign every screened initiative its missing reviewers, spreading the load evenly (fewest first).
    All or nothing: refused, naming the initiative, when the pool has too few reviewers without a conflict."""
    actor = require(may_assign_reviewers, actor, round_)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.state != RoundState.SCREENING:
        raise engine.TransitionNotAllowed(_("Chỉ phân công người chấm khi đợt đang rà soát."))
    load = reviewer_load(round_)
    created = 0
    for initiative in round_.initiatives.filter(state=InitiativeState.SCREENED).order_by("pk"):
        initiative.round = round_
        missing = round_.reviewers_per_initiative - initiative.assignments.count()
        if missing <= 0:
            continue
        chosen = reviewers_suggest(initiative, load)
        if len(chosen) < missing:
            raise ValidationError(
                {
                    "reviewers": _("Không đủ người chấm không có xung đột lợi ích cho sáng kiến «%(title)s».")
                    % {"title": initiative.title}
                }
            )
        for reviewer in chosen:
            _assign(initiative, reviewer, actor)
            load[reviewer.pk] = load.get(reviewer.pk, 0) + 1
            created += 1
    return created


@transaction.atomic
def round_start_reviewing(*, round_: Round, user, client_ip: str | None = None) -> Round:
    """Open the reviews: the round's transition moves each screened initiative too (all or nothing)."""
    return engine.perform(round_, "start_reviewing", user=user, client_ip=client_ip)


# -- reviews -------------------------------------------------------------------------------------------
@transaction.atomic
def review_save(
    *, assignment: ReviewAssignment, scores: dict[int, tuple], actor, comment: str = "", submit: bool = False
) -> Review:
    """The assigned reviewer scores each criterion (0 to its maximum) with a justification; once submitted the
    sheet is final. The last submitted sheet of an initiative records its average and moves it on. Only the
    reviewer holding the review grant on the initiative, on their own sheet (may_score_initiative)."""
    assignment = (
        ReviewAssignment.objects.select_for_update().select_related("initiative__round").get(pk=assignment.pk)
    )
    initiative = assignment.initiative
    actor = require(may_score_initiative, actor, initiative, assignment=assignment)
    user = actor.user
    if Review.objects.filter(assignment=assignment, submitted=True).exists():
        raise engine.TransitionNotAllowed(_("Phiếu chấm đã nộp, không thể sửa."))
    if initiative.round.state != RoundState.REVIEWING or initiative.state != InitiativeState.UNDER_REVIEW:
        raise engine.TransitionNotAllowed(_("Sáng kiến này hiện không trong thời gian chấm điểm."))
    review, _created = Review.objects.get_or_create(assignment=assignment)
    criteria = list(initiative.round.criteria.all())
    errors = {}
    rows = []
    for criterion in criteria:
        points, justification = scores.get(criterion.pk, (None, ""))
        key = f"criterion_{criterion.pk}"
        try:
            value = Decimal(str(points))
        except (InvalidOperation, TypeError, ValueError):
            errors[key] = _("Cần cho điểm tiêu chí «%(name)s».") % {"name": criterion.name}
            continue
        if not Decimal(0) <= value <= criterion.max_points:
            errors[key] = _("Điểm tiêu chí «%(name)s» phải từ 0 đến %(max)s.") % {
                "name": criterion.name,
                "max": criterion.max_points,
            }
            continue
        if not str(justification or "").strip():
            errors[key] = _("Cần nêu lý do cho điểm tiêu chí «%(name)s».") % {"name": criterion.name}
            continue
        rows.append(
            Score(
                review=review, criterion=criterion, points=value, justification=justification.strip()[:1000]
            )
        )
    if errors:
        raise ValidationError(errors)
    review.scores.all().delete()
    Score.objects.bulk_create(rows)
    review.total = sum((row.points for row in rows), Decimal(0))
    review.comment = comment
    if submit:
        review.submitted = True
        review.submitted_at = timezone.now()
    review.save()
    audit.record(
        subject=initiative,
        actor=actor,
        verb="review_submit" if submit else "review_save",
        data={"assignment": assignment.pk, "total": str(review.total)},
    )
    if submit:
        submitted = Review.objects.filter(assignment__initiative=initiative, submitted=True)
        if submitted.count() == initiative.assignments.count():
            totals = list(submitted.values_list("total", flat=True))
            average = (sum(totals) / len(totals)).quantize(Decimal("0.01"))
            with internal_step(initiative, role="reviewer", payload=average):
                engine.perform(initiative, "finish_review", user=user)
    return review


# -- council -------------------------------------------------------------------------------------------
@transaction.atomic
def round_send_to_council(*, round_: Round, planned_on: date, actor, place: str = ""):
    """The Board plans a session of the innovation council: initiatives reaching the pass score go on the
    agenda (≥ 2/3 secret ballot), the others are closed as below the pass score."""
    actor = require(may_send_to_council, actor, round_)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.state != RoundState.REVIEWS_COMPLETE:
        raise engine.TransitionNotAllowed(_("Chỉ trình hội đồng khi đợt đã chấm xong."))
    reviewed = list(
        round_.initiatives.filter(state=InitiativeState.REVIEWED)
        .select_related("unit")
        .order_by("-average_score", "pk")
    )
    session = council_services.session_create(
        council_term=round_.council_term,
        title=_("Xét công nhận sáng kiến: %(round)s") % {"round": round_.title},
        planned_on=planned_on,
        actor=actor,
        place=place,
        source=round_,
    )
    for initiative in reviewed:
        if initiative.average_score is not None and initiative.average_score >= round_.pass_score:
            council_services.agenda_subject_add(session=session, subject=initiative, actor=actor)
        else:
            with internal_step(initiative, role=actor.role or Role.BOARD_OFFICER):
                engine.perform(
                    initiative,
                    "below_pass_score",
                    user=actor.user,
                    extra_audit={
                        "average": str(initiative.average_score),
                        "pass_score": str(round_.pass_score),
                    },
                )
    with internal_step(round_, role=actor.role or Role.BOARD_OFFICER, payload=session.pk):
        engine.perform(round_, "send_to_council", user=actor.user)
    return session


def council_agenda_terms(*, subject: Initiative, session) -> AgendaTerms:
    """How an initiative is put to a council (registered with councils.registry): the innovation council's rule
    (≥ 2/3 of all members, secret ballot), its unit as proposing unit, its authors recused; only onto the
    session its round sent to its own council term."""
    initiative = Initiative.objects.select_related("round", "unit").get(pk=subject.pk)
    round_ = initiative.round
    source = ContentType.objects.get_for_model(Round)
    if (
        session.council_term_id != round_.council_term_id
        or session.council_term.council.kind != CouncilKind.INNOVATION
        or session.source_type_id != source.pk
        or session.source_id != str(round_.pk)
    ):
        raise ValidationError(
            {
                "session": _(
                    "Sáng kiến «%(title)s» chỉ được đưa ra phiên họp của Hội đồng sáng kiến mà đợt «%(round)s» "
                    "trình."
                )
                % {"title": initiative.title[:200], "round": round_.title}
            }
        )
    authors = tuple(author.user for author in initiative.authors.select_related("user") if author.user_id)
    return AgendaTerms(
        title=_("Công nhận sáng kiến «%(title)s»") % {"title": initiative.title[:450]},
        summary=_("%(unit)s · điểm trung bình %(score)s/%(pass)s · phạm vi đề nghị: %(scope)s")
        % {
            "unit": initiative.unit.name,
            "score": initiative.average_score,
            "pass": round_.pass_score,
            "scope": initiative.get_requested_scope_display(),
        },
        threshold=COUNCIL_THRESHOLD,
        proposing_unit=initiative.unit,
        recused_users=authors,
    )


def council_result_receive(*, subject: Initiative, result: ItemResult, actor: audit.Actor) -> None:
    """The councils app issued its result: recognised (≥ 2/3 agreed) or not; a recognised initiative enters its
    authors' history (InitiativeRecognition), which the award eligibility rules read."""
    verb = "council_recognise" if result.passed else "council_reject"
    tally = {
        "council_result": {
            "session": result.session_id,
            "item": result.item_id,
            "agree": result.agree,
            "disagree": result.disagree,
            "abstain": result.abstain,
            "base": result.base_count,
            "passed": result.passed,
            "explanation": result.explanation,
        }
    }
    behalf = getattr(actor.on_behalf_of, "pk", None)
    with internal_step(subject, role=actor.role or "council", on_behalf_of_id=behalf):
        initiative = engine.perform(
            subject, verb, user=actor.user, client_ip=actor.client_ip, extra_audit=tally
        )
    if result.passed:
        recognitions_record(initiative=initiative, actor=actor)


def recognitions_record(*, initiative: Initiative, actor: audit.Actor) -> list[InitiativeRecognition]:
    """Each author of a recognised initiative gets an InitiativeRecognition on their person record (found by
    name and unit, or created)."""
    if initiative.state != InitiativeState.RECOGNISED:
        raise engine.TransitionNotAllowed(_("Sáng kiến chưa được công nhận."))
    council = initiative.round.council_term.council
    session = initiative.round.session
    decided_on = getattr(session, "resolution_issued_on", None) or timezone.localdate()
    created = []
    for author in initiative.authors.select_related("unit"):
        nominee = (
            Nominee.objects.filter(kind="individual", unit=author.unit, full_name__iexact=author.full_name)
            .order_by("pk")
            .first()
        )
        if nominee is None:
            nominee = Nominee.objects.create(kind="individual", unit=author.unit, full_name=author.full_name)
        created.append(
            InitiativeRecognition.objects.create(
                nominee=nominee,
                title=initiative.title[:500],
                scope=initiative.recognised_scope,
                year=decided_on.year,
                recognised_by=council.name[:255],
                central_document_number=initiative.central_document_number,
                central_document_date=initiative.central_document_date,
                recorded_by=actor.user,
            )
        )
    audit.record(
        subject=initiative,
        actor=actor,
        verb="record_recognitions",
        data={"recognitions": [r.pk for r in created], "nominees": [r.nominee_id for r in created]},
    )
    return created


#: Initiatives a central recognition may be recorded for: those the council recognised.
CENTRAL_RECOGNITION_STATES = (InitiativeState.RECOGNISED, InitiativeState.CERTIFIED)


@transaction.atomic
def central_recognition_record(*, initiative: Initiative, document_number: str, document_date, actor):
    """The Board records that a central body recognised a recognised initiative nationwide (its document number
    and date): the initiative's scope becomes national (toàn quốc) and so do its authors' recognitions, which
    the award rules read (CSTĐ toàn quốc). A national scope stands on nothing else: no council of the city
    gives it (dossiers.initiative_scope). Refused, leaving everything as it was: an initiative not recognised
    (409), a missing or future document (400, next to the field, code central_recognition_required)."""
    actor = require(may_record_central_recognition, actor, initiative)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.state not in CENTRAL_RECOGNITION_STATES:
        raise engine.TransitionNotAllowed(
            _(
                "Chỉ ghi công nhận của Trung ương cho sáng kiến đã được hội đồng công nhận (hiện: «%(state)s»)."
            )
            % {"state": initiative.get_state_display()}
        )
    number = " ".join(str(document_number or "").split())
    errors = central_recognition_errors(number, document_date, timezone.localdate())
    if errors:
        raise ValidationError(
            {
                field: ValidationError(message, code=CENTRAL_RECOGNITION_REQUIRED)
                for field, message in errors.items()
            }
        )
    before = initiative.recognised_scope
    initiative.recognised_scope = AwardLevel.STATE
    initiative.central_document_number = number
    initiative.central_document_date = document_date
    initiative.save(update_fields=["recognised_scope", "central_document_number", "central_document_date"])
    recognitions = InitiativeRecognition.objects.filter(
        title=initiative.title[:500], nominee__in=_author_nominees(initiative)
    )
    updated = list(recognitions.values_list("pk", flat=True))
    recognitions.update(
        scope=AwardLevel.STATE, central_document_number=number, central_document_date=document_date
    )
    audit.record(
        subject=initiative,
        actor=actor,
        verb="central_recognition",
        data={
            "scope_before": before,
            "scope": AwardLevel.STATE,
            "document_number": number,
            "document_date": document_date.isoformat(),
            "recognitions": updated,
        },
    )
    return initiative


def _author_nominees(initiative: Initiative) -> list[int]:
    """The person records of the initiative's authors (as recognitions_record found or made them)."""
    ids = []
    for author in initiative.authors.all():
        ids += Nominee.objects.filter(
            kind="individual", unit_id=author.unit_id, full_name__iexact=author.full_name
        ).values_list("pk", flat=True)
    return ids


# -- configuration: a round's review criteria and settings (audited with before/after; workflows.config) ----


def round_settings_save(*, round_: Round, actor: audit.Actor) -> Round:
    """Change a round's dates, points and pass rules (never its state: that moves through the engine, nor its
    reviewers: round_reviewers_set); audited with before/after."""
    from workflows.config import config_save

    return config_save(round_, actor=actor)


def criterion_save(*, criterion, actor: audit.Actor):
    """Create or change a review criterion and its maximum points; audited with before/after."""
    from workflows.config import config_save

    return config_save(criterion, actor=actor)


def criterion_delete(*, criterion, actor: audit.Actor) -> None:
    """Remove a review criterion; audited with its last values."""
    from workflows.config import config_delete

    config_delete(criterion, actor=actor)
