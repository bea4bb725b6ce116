"""Minutes (biên bản họp) and tally report (biên bản kiểm phiếu) as PDF, in the layout of Decree 30/2020/NĐ-CP,
generated from the session's data (never retyped)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .models import AttendanceStatus, CouncilRule, Session


def _superior_body(unit) -> str:
    """The issuing body's superior (tên cơ quan chủ quản): the top of the council's standing unit's hierarchy."""
    while unit.parent_id is not None:
        unit = unit.parent
    return unit.name


def vietnamese_date(day) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def context(session: Session) -> dict:
    council = session.council_term.council
    rule = CouncilRule.objects.filter(council=council).first()
    attendance = selectors.attendance_map(session)
    members = selectors.members(session)
    listed = []
    for member in members:
        record = attendance.get(member.pk)
        listed.append(
            {
                "member": member,
                "status": record.get_status_display() if record else _("Chưa điểm danh"),
                "present": record is not None and record.status == AttendanceStatus.PRESENT,
            }
        )
    day = session.minutes_signed_on or session.planned_on or timezone.localdate()
    return {
        "session": session,
        "council": council,
        "superior": _superior_body(council.unit),
        "place_name": rule.document_place if rule else "Cần Thơ",
        "date_text": vietnamese_date(day),
        "meeting_date_text": vietnamese_date(session.planned_on),
        "members": listed,
        "present": [row for row in listed if row["present"]],
        "absent": [row for row in listed if not row["present"]],
        "quorum": selectors.quorum(session),
        "items": session.items.select_related("proposing_unit").order_by("order", "pk"),
        "chair": session.minutes_signed_by,
    }


def _render(template: str, session: Session) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context(session))
    return HTML(string=html).write_pdf()


def minutes_pdf(session: Session) -> bytes:
    return _render("councils/pdf/minutes.html", session)


def tally_pdf(session: Session) -> bytes:
    return _render("councils/pdf/tally.html", session)
