"""The Board's appraisal opinion on a nominee line, with an optimistic lock.

Two Board officers may open the same dossier's appraisal screen at once. Each form carries the version of
the line it was drawn from: the sequence number of the last audit event of the line or of its dossier
(every change to either goes through the audit log, so nothing changes without the version moving). On
save the line row is locked, the version compared, and a stale form is refused with a clear message
instead of overwriting, or being overtaken by, what the other officer saved.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
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


def _latest(model, ids) -> dict[str, int]:
    """{subject id: sequence of its last audit event} for objects of `model` (the subject index covers it)."""
    return dict(
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(model), subject_id__in=[str(pk) for pk in ids]
        )
        .values("subject_id")
        .annotate(last=Max("sequence"))
        .values_list("subject_id", "last")
    )


def versions(lines) -> dict[int, int]:
    """{line id: version}: the last audit event of the line or of its dossier, in two look-ups."""
    lines = list(lines)
    if not lines:
        return {}
    line_last = _latest(DossierNominee, [line.pk for line in lines])
    dossier_last = _latest(Dossier, {line.dossier_id for line in lines})
    return {
        line.pk: max(line_last.get(str(line.pk), 0), dossier_last.get(str(line.dossier_id), 0))
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
