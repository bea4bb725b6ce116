"""Giấy chứng nhận sáng kiến: one PDF per author of a recognised initiative (TT 18/2013/TT-BKHCN Đ.9 k.2),
laid out with WeasyPrint like the dossiers' decision draft."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from workflows.models import Role
from workflows.roles import authorities_of, can_read_everything

from .models import RECOGNISED_STATES, Author, Initiative, InitiativeState


def certificate_available(user, initiative: Initiative) -> bool:
    """Who may download the certificates of an initiative they can view: the Board (and auditors, the chairman)
    once it is recognised, to print them; once issued also the submitting unit and the authors themselves."""
    if initiative.state not in RECOGNISED_STATES:
        return False
    if can_read_everything(user):
        return True
    if initiative.state != InitiativeState.CERTIFIED:
        return False
    unit_roles = {Role.UNIT_OFFICER, Role.UNIT_HEAD}
    if any(a.unit_id == initiative.unit_id and a.role in unit_roles for a in authorities_of(user)):
        return True
    return initiative.authors.filter(user=user).exists()


def certificate_context(author: Author) -> dict:
    initiative = author.initiative
    round_ = initiative.round
    session = round_.session
    decision_date = getattr(session, "resolution_issued_on", None)
    share = f"{author.share.normalize():f}".replace(".", ",")
    return {
        "author": author,
        "initiative": initiative,
        "round": round_,
        "share": share,
        "scope": initiative.get_recognised_scope_display() or initiative.get_requested_scope_display(),
        "council_name": round_.council_term.council.name,
        "decision_number": getattr(session, "resolution_number", "") or "",
        "decision_date": decision_date,
        "day": decision_date or timezone.localdate(),
    }


def certificate_pdf(author: Author) -> bytes:
    """The author's certificate as PDF bytes."""
    from weasyprint import HTML

    html = render_to_string("innovation/pdf/certificate.html", certificate_context(author))
    return HTML(string=html).write_pdf()
