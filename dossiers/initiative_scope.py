"""Initiative scope integrity (issue 16, DOMAIN.md §2): the scope of influence an initiative is recognised at
never exceeds the level of the council recognising it (a city council recognises at most city scope), and a
national scope (toàn quốc) stands only on a recorded central recognition (document number and date).

Read by the innovation services (submission, the council's recognition, the Board's recording of a central
recognition) and by the declared history of a nominee (dossiers.services); both refuse with these messages."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from .models.catalogue import AwardLevel
from .models.nominees import SCOPE_RANK

#: The error code of a scope above the recognising council's level (API: "code").
SCOPE_EXCEEDS_COUNCIL = "scope_exceeds_council"
#: The error code of a national scope without its central recognition (API: "code").
CENTRAL_RECOGNITION_REQUIRED = "central_recognition_required"

RULE = "Luật TĐKT 2022; NĐ 13/2012/NĐ-CP, Điều 4"


def _level_label(level: str) -> str:
    try:
        return str(AwardLevel(level).label)
    except ValueError:
        return level


def scope_exceeds_council(scope: str, council) -> str | None:
    """Why `council` cannot recognise `scope`, or None. A council's level is Council.level (grassroots or city);
    a national scope is never a local council's: it needs a central recognition."""
    level = getattr(council, "level", "") or AwardLevel.CITY
    if SCOPE_RANK.get(scope, 0) <= SCOPE_RANK.get(level, 0):
        return None
    message = _(
        "Phạm vi ảnh hưởng «%(scope)s» vượt cấp của %(council)s (cấp %(level)s): hội đồng chỉ công nhận phạm vi "
        "tối đa «%(level)s»"
    ) % {"scope": _level_label(scope), "council": council.name, "level": _level_label(level)}
    if scope == AwardLevel.STATE:
        message += _("; phạm vi toàn quốc cần văn bản công nhận của cơ quan Trung ương (số, ngày)")
    return f"{message} ({RULE})."


def central_recognition_errors(number: str, day: date | None, today: date) -> dict[str, str]:
    """What is missing or wrong in the central recognition a national scope stands on, by field."""
    errors = {}
    if not (number or "").strip():
        errors["central_document_number"] = _(
            "Phạm vi toàn quốc cần văn bản công nhận của cơ quan Trung ương: ghi số văn bản (%(rule)s)."
        ) % {"rule": RULE}
    elif len(number.strip()) > 60:
        errors["central_document_number"] = _("Số văn bản tối đa 60 ký tự.")
    if not day:
        errors["central_document_date"] = _(
            "Phạm vi toàn quốc cần văn bản công nhận của cơ quan Trung ương: ghi ngày văn bản (dd/mm/yyyy)."
        )
    elif day > today:
        errors["central_document_date"] = _("Ngày văn bản công nhận không được ở tương lai.")
    return errors
