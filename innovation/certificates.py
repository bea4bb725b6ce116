"""Giấy chứng nhận sáng kiến: one PDF per author of a recognised initiative (TT 18/2013/TT-BKHCN Đ.9 k.2),
rendered by the one PDF renderer (workflows/pdf.py) with the shared Decree 30 header."""

from __future__ import annotations

from django.utils import timezone

from workflows.pdf import Signature, decree30_header, render_pdf

from .models import Author, Initiative
from .policies import may_download_certificate


def certificate_available(user, initiative: Initiative) -> bool:
    """Who may download the certificates of an initiative they can view: the Board (and auditors, the chairman)
    once it is recognised, to print them; once issued also the submitting unit and the authors themselves
    (the permission layer decides: innovation.policies.may_download_certificate)."""
    return bool(may_download_certificate(user, initiative))


def certificate_context(author: Author) -> dict:
    initiative = author.initiative
    round_ = initiative.round
    session = round_.session
    decision_date = getattr(session, "resolution_issued_on", None)
    share = f"{author.share.normalize():f}".replace(".", ",")
    council_name = round_.council_term.council.name
    decision_number = getattr(session, "resolution_number", "") or ""
    return {
        "author": author,
        "initiative": initiative,
        "round": round_,
        "share": share,
        "scope": initiative.get_recognised_scope_display() or initiative.get_requested_scope_display(),
        "council_name": council_name,
        "decision_number": decision_number,
        "decision_date": decision_date,
        # The certificate's own number (not the decision's) is written in when it is registered.
        "header": decree30_header(
            day=decision_date or timezone.localdate(), issuer=council_name, blank_number="/GCN"
        ),
        # Issued for the council by its chair (the name is written by hand on the printed certificate).
        "signature": Signature(forms=("TM. HỘI ĐỒNG",), title="CHỦ TỊCH"),
    }


def certificate_pdf(author: Author) -> bytes:
    """The author's certificate as PDF bytes (workflows/pdf.py: the shared Decree 30 header and fonts)."""
    return render_pdf("innovation/pdf/certificate.html", certificate_context(author))
