"""Minutes (biên bản họp) and tally report (biên bản kiểm phiếu) as PDF, in the layout of Decree 30/2020/NĐ-CP
(workflows/pdf.py: the council as issuing body under the people's committee of settings.ISSUING_BODY),
generated from the session's data (never retyped)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.names import full_name
from workflows.pdf import Signature, decree30_date, decree30_header, render_pdf

from . import selectors
from .models import AttendanceStatus, CouncilRule, Session, SessionState


def context(session: Session, *, tally: bool = False) -> dict:
    """The data of the minutes, or of the tally report (`tally`): numbered on its own, it names the minutes
    under its title."""
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
    chair = session.minutes_signed_by
    return {
        "session": session,
        "council": council,
        "header": decree30_header(
            day=day,
            issuer=council.name,
            number="" if tally else session.minutes_number,
            blank_number="/BB-KP" if tally else "/BB",
            place=rule.document_place if rule and rule.document_place else "",
        ),
        "meeting_date_text": decree30_date(session.planned_on),
        "members": listed,
        "present": [row for row in listed if row["present"]],
        "absent": [row for row in listed if not row["present"]],
        "quorum": selectors.quorum(session),
        "items": session.items.select_related("proposing_unit").order_by("order", "pk"),
        "basis": legal_basis(session),
        "chair": chair,
        "is_draft": session.state in (SessionState.VOTING_CLOSED, SessionState.MINUTES_DRAFTED),
        # A biên bản is signed by the secretary and by whoever chaired the meeting, in their own right.
        "secretary_signature": Signature(title="Thư ký", note="(Ký, ghi rõ họ tên)"),
        "chair_signature": Signature(
            title="Chủ trì",
            note="(Ký, ghi rõ họ tên)",
            name=full_name(chair),
            remark=(
                f"Đã ký trên hệ thống ngày {session.minutes_signed_on:%d/%m/%Y}"
                if chair and session.minutes_signed_on
                else ""
            ),
        ),
    }


def legal_basis(session: Session) -> list[str]:
    """The "Căn cứ" acts of the rules the session's items are judged by (each item keeps its subject's, from
    councils.registry.AgendaTerms), each act once, in the items' order."""
    acts: list[str] = []
    for basis in session.items.order_by("order", "pk").values_list("legal_basis", flat=True):
        for act in basis or []:
            if act and act not in acts:
                acts.append(act)
    return acts


def minutes_pdf(session: Session) -> bytes:
    return render_pdf("councils/pdf/minutes.html", context(session))


def tally_pdf(session: Session) -> bytes:
    return render_pdf("councils/pdf/tally.html", context(session, tally=True))
