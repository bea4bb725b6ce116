"""Hiệp y for tests that forward a dossier: the rule version of each state-level line requires named agencies
(RuleVersion.consultation_agencies); forwarding is refused until each has answered, is past its deadline or
was waived by the Board head (dossiers.consultation)."""

from dossiers import consultation as hiep_y
from workflows.audit import Actor


def consult_all(cast, dossier, *, outcome="agreed"):
    """Send a request to every agency the dossier's state-level lines require and record each answer."""
    board = Actor(cast.board)
    for row in hiep_y.agency_rows(dossier):
        if row["status"] != "not_sent":
            continue
        request = hiep_y.consultation_send(dossier=dossier, agency=row["agency"], working_days=5, actor=board)
        hiep_y.consultation_answer(consultation=request, outcome=outcome, actor=board)
    return dossier
