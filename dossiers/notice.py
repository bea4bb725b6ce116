"""Public notice before the council (công khai trước khi họp hội đồng, issue 16).

The awards whose catalogue version says `public_notice_required` (state-level titles and forms, Huân chương,
danh hiệu vinh dự) are posted for public comment before the council votes on them. The Board starts the notice
for a dossier's lines that need it (`public_notice_start`, at least the award's `public_notice_days` working
days); the public comments on the public page (services.public_comment_add) from the day after it starts until
its last day; the Board answers each comment (`public_comment_answer`, audited). The councils app asks, when a
session's agenda is locked, whether each subject may be voted on (councils.registry lock_refusals →
`lock_refusals` below): a line needing notice is refused until every working day of its notice has passed and
every comment on it has the Board's recorded answer, the refusal naming the figures ("đã công khai 6/10 ngày
làm việc", "còn 2 ý kiến chưa trả lời"). A hold in force on the nominee is refused there too.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import audit
from workflows.calendar import add_working_days, working_days_between
from workflows.policies import require

from .models import Dossier, DossierNominee, DossierState, NomineeState, PublicComment, PublicNotice
from .policies import may_answer_public_comment, may_start_public_notice

#: The dossier steps in which the Board may start a notice: after acceptance, before the council has voted.
NOTICE_DOSSIER_STATES = (DossierState.ACCEPTED, DossierState.APPRAISED, DossierState.ON_AGENDA)
#: The line states a notice is for (not yet voted on).
NOTICE_LINE_STATES = (NomineeState.PENDING, NomineeState.PROPOSED, NomineeState.ON_AGENDA)
#: Longest working-day period the Board may set, and the longest answer.
MAX_NOTICE_DAYS = 30
ANSWER_LIMIT = 4000


def days_elapsed(notice: PublicNotice, today=None) -> int:
    """Working days of the notice already over (today is not over yet), at most the notice's days."""
    today = today or timezone.localdate()
    return max(0, min(notice.days, working_days_between(notice.starts_on, today - timedelta(days=1))))


def is_open(notice: PublicNotice, today=None) -> bool:
    """Comments are taken from the notice's first day to its last (`ends_on`) included."""
    today = today or timezone.localdate()
    return notice.starts_on <= today <= notice.ends_on


def unanswered_count(line: DossierNominee) -> int:
    return PublicComment.objects.filter(line_id=line.pk, answered_at__isnull=True).count()


def notice_refusal(line: DossierNominee, today=None) -> str | None:
    """Why `line` may not be voted on yet for want of public notice (None if it may, or needs none)."""
    award = line.award
    if not award.public_notice_required:
        return None
    name = f"{line.nominee.full_name} – {award.name}"
    required = award.public_notice_days
    notice = PublicNotice.objects.filter(line_id=line.pk).first()
    if notice is None:
        return _(
            "«%(name)s»: chưa công khai trước khi họp hội đồng (phải công khai ít nhất %(days)s ngày làm việc)."
        ) % {"name": name, "days": required}
    elapsed = days_elapsed(notice, today)
    needed = max(required, notice.days)
    if elapsed < needed:
        return _(
            "«%(name)s»: chưa đủ thời gian công khai: đã công khai %(elapsed)s/%(days)s ngày làm việc "
            "(đến hết ngày %(end)s)."
        ) % {"name": name, "elapsed": elapsed, "days": needed, "end": notice.ends_on.strftime("%d/%m/%Y")}
    waiting = unanswered_count(line)
    if waiting:
        return _("«%(name)s»: còn %(count)s ý kiến góp ý chưa được Ban TĐKT trả lời.") % {
            "name": name,
            "count": waiting,
        }
    return None


def lock_refusals(*, subject: DossierNominee, session) -> list[str]:
    """Registered with councils.registry: why a dossier line may not stay on an agenda being locked (its
    public notice, a hold in force on its nominee), read again from the line's own records."""
    from .integrity import hold_refusals

    line = DossierNominee.objects.select_related("award", "nominee").get(pk=subject.pk)
    found = [refusal] if (refusal := notice_refusal(line)) else []
    found += hold_refusals(DossierNominee.objects.filter(pk=line.pk).select_related("nominee"))
    return found


def lock_refusals_many(*, subjects, session) -> list[str]:
    """lock_refusals() for all of a session's dossier lines at once, in their order (the same messages): the lines
    in one query, their holds in one; only the lines whose award needs public notice read their notice."""
    from .integrity import hold_refusals, holds_in_force

    lines = DossierNominee.objects.select_related("award", "nominee").in_bulk([s.pk for s in subjects])
    ordered = [lines[subject.pk] for subject in subjects if subject.pk in lines]
    held = holds_in_force({line.nominee_id for line in ordered})
    found: list[str] = []
    for line in ordered:
        if refusal := notice_refusal(line):
            found.append(refusal)
        found += [m for m in hold_refusals([line], held=held) if m not in found]
    return found


def lines_needing_notice(dossier: Dossier):
    return (
        DossierNominee.objects.filter(dossier_id=dossier.pk, award__public_notice_required=True)
        .select_related("award", "nominee")
        .order_by("position", "pk")
    )


@transaction.atomic
def public_notice_start(*, dossier: Dossier, working_days, actor) -> list[PublicNotice]:
    """The Board posts the dossier's lines that need public notice (and have none yet) from today, for
    `working_days` working days (at least each award's public_notice_days); audited on the dossier. Refused:
    a dossier before acceptance or already voted on, no line needing notice, too few days (400 next to the
    field)."""
    actor = require(may_start_public_notice, actor, dossier)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if dossier.state not in NOTICE_DOSSIER_STATES:
        raise ValidationError(
            _("Hồ sơ ở bước «%(state)s»: chỉ công khai trước khi họp hội đồng sau khi Ban tiếp nhận.")
            % {"state": dossier.get_state_display()}
        )
    lines = [
        line
        for line in lines_needing_notice(dossier).filter(state__in=NOTICE_LINE_STATES)
        if not PublicNotice.objects.filter(line_id=line.pk).exists()
    ]
    if not lines:
        raise ValidationError(
            _("Hồ sơ không còn đối tượng nào phải công khai trước khi họp hội đồng mà chưa công khai.")
        )
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        raise ValidationError(
            {"working_days": _("Ghi số ngày làm việc công khai (một số nguyên).")}
        ) from None
    required = max(line.award.public_notice_days for line in lines)
    if days < required:
        raise ValidationError(
            {
                "working_days": _(
                    "Phải công khai ít nhất %(required)s ngày làm việc (đã nhập %(days)s) theo quy định của "
                    "danh hiệu, hình thức đề nghị."
                )
                % {"required": required, "days": days}
            }
        )
    if days > MAX_NOTICE_DAYS:
        raise ValidationError(
            {
                "working_days": _("Thời hạn công khai không quá %(max)s ngày làm việc.")
                % {"max": MAX_NOTICE_DAYS}
            }
        )
    today = timezone.localdate()
    ends_on = add_working_days(today, days)
    notices = [
        PublicNotice.objects.create(
            line=line, starts_on=today, ends_on=ends_on, days=days, started_by=actor.user
        )
        for line in lines
    ]
    audit.record(
        subject=dossier,
        actor=actor,
        verb="public_notice_start",
        data={
            "lines": [line.pk for line in lines],
            "working_days": days,
            "starts_on": today.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return notices


@transaction.atomic
def public_comment_answer(*, comment: PublicComment, answer: str, actor) -> PublicComment:
    """The Board records its answer to one public comment (once): the comment is then resolved. Audited on the
    line. Refused: an empty or too long answer (400 next to the field), a comment already answered."""
    comment = PublicComment.objects.select_for_update().select_related("line__dossier").get(pk=comment.pk)
    actor = require(may_answer_public_comment, actor, comment.line.dossier)
    if comment.answered_at is not None:
        raise ValidationError(
            _("Ý kiến này đã được trả lời lúc %(when)s.")
            % {"when": timezone.localtime(comment.answered_at).strftime("%H:%M %d/%m/%Y")}
        )
    answer = str(answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Ghi nội dung trả lời của Ban TĐKT.")})
    if len(answer) > ANSWER_LIMIT:
        raise ValidationError(
            {
                "answer": _("Tối đa %(limit)s ký tự (đã nhập %(length)s).")
                % {"limit": ANSWER_LIMIT, "length": len(answer)}
            }
        )
    comment.answer = answer
    comment.answered_by = actor.user
    comment.answered_at = timezone.now()
    comment.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(
        subject=comment.line,
        actor=actor,
        verb="public_comment_answer",
        data={"comment": comment.pk, "author": comment.author_name, "answer": answer},
    )
    return comment


def notice_rows(dossier: Dossier, today=None) -> list[dict]:
    """Per line needing notice: its notice (or None), the days over, the comments, the refusal if any."""
    rows = []
    for line in lines_needing_notice(dossier):
        notice = PublicNotice.objects.filter(line_id=line.pk).first()
        rows.append(
            {
                "line": line,
                "notice": notice,
                "elapsed": days_elapsed(notice, today) if notice else 0,
                "required": max(line.award.public_notice_days, notice.days if notice else 0),
                "comments": list(PublicComment.objects.filter(line_id=line.pk).order_by("created_at", "pk")),
                "refusal": notice_refusal(line, today),
            }
        )
    return rows
