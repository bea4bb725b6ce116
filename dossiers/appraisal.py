"""The Board's appraisal opinion on a nominee line, with an optimistic lock.

Two Board officers may open the same dossier's appraisal screen at once. Each form carries the version of
the line it was drawn from: how many audit events the line and its dossier have (every change to either goes
through the audit log, which is append-only, so nothing changes without the version growing). On save the
line row is locked, the version compared, and a stale form is refused with a clear message instead of
overwriting, or being overtaken by, what the other officer saved.

A count, not the last event's number: the log is several chains (workflows.audit), whose sequences are not
comparable, and ids are taken before commit, so an event of the dossier committed after an event of the line
may have the lower id; a count grows with every event committed, whatever its chain or id.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from workflows import engine
from workflows.lifecycle import lifecycle_for
from workflows.models import AuditEvent

from .models import Dossier, DossierNominee

VERDICTS = ("propose", "not_propose")


class StaleAppraisal(engine.TransitionNotAllowed):
    """The line (or its dossier) changed after the officer's form was drawn (HTTP 409)."""

    code = "stale_version"

    def __init__(self):
        super().__init__(
            _(
                "Hồ sơ đã được người khác thay đổi sau khi bạn mở màn hình thẩm định. Ý kiến của bạn chưa "
                "được ghi; hãy xem lại thông tin mới nhất rồi ghi lại (nội dung bạn đã nhập vẫn được giữ)."
            )
        )


def _counts(model, ids) -> dict[str, int]:
    """{subject id: how many audit events it has} for objects of `model` (the subject index covers it)."""
    return dict(
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(model), subject_id__in=[str(pk) for pk in ids]
        )
        .values("subject_id")
        .annotate(events=Count("id"))
        .values_list("subject_id", "events")
        .order_by()
    )


def versions(lines) -> dict[int, int]:
    """{line id: version}: the audit events of the line and of its dossier, counted in two look-ups."""
    lines = list(lines)
    if not lines:
        return {}
    line_events = _counts(DossierNominee, [line.pk for line in lines])
    dossier_events = _counts(Dossier, {line.dossier_id for line in lines})
    return {
        line.pk: line_events.get(str(line.pk), 0) + dossier_events.get(str(line.dossier_id), 0)
        for line in lines
    }


def version(line: DossierNominee) -> int:
    return versions([line])[line.pk]


def parse_version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def appraise(
    line: DossierNominee, verdict: str, *, user, data: dict, expected_version, client_ip=None
) -> DossierNominee:
    """Record the Board's opinion (`data["comment"]`; propose or not) on `line` if nobody changed the line or
    its dossier since `expected_version`. Raises StaleAppraisal (409) for a stale version, else what
    engine.perform raises. `expected_version=None` (a client that sends none) skips the comparison: the state
    machine alone then refuses a second opinion on the same line."""
    if verdict not in VERDICTS:
        raise engine.TransitionNotAllowed(_("Chọn «Đề nghị trình hội đồng» hoặc «Không đề nghị»."))
    with transaction.atomic():
        locked = DossierNominee.objects.select_for_update().get(pk=line.pk)
        verdict_check = engine.check(lifecycle_for(locked)(locked), verdict, user)
        if verdict_check.status == 403:  # who may not appraise learns that, not that the form is stale
            raise engine.ActionForbidden(verdict_check.reason)
        if expected_version not in (None, ""):
            expected = parse_version(expected_version)
            if expected is None or expected != version(locked):
                raise StaleAppraisal()
        return engine.perform(locked, verdict, user=user, client_ip=client_ip, data=data)
