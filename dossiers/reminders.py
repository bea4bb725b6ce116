"""Overdue steps: every dossier past its working-day deadline reminds whoever must act next, once per step."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.lifecycle import RoleRule
from workflows.notifications import create_notification
from workflows.selectors import users_who_can_act

from .lifecycle import DossierLifecycle, waiting_officers
from .selectors import overdue_dossiers

#: Transitions that are an option, not the step's duty: holding them does not make one the assignee.
NOT_DUTIES = {"withdraw"}


def assignees(dossier) -> list:
    """Who must act on the dossier's current step (the unit's option to withdraw does not count): the role
    rules' holders and the Board officer the dossier waits on (its assigned officer, or any while unassigned)."""
    flow = DossierLifecycle(dossier)
    duties = []
    for name in flow.transition_methods():
        transition = flow.current_transition(name)
        if name not in NOT_DUTIES and transition is not None and isinstance(transition.permission, RoleRule):
            duties.append(transition.permission)
    users = [user for user in users_who_can_act(flow) if any(rule(flow, user) for rule in duties)]
    known = {user.pk for user in users}
    return users + [user for user in waiting_officers(flow) if user.pk not in known]


def send_overdue_reminders(today: date | None = None) -> int:
    """Create one notification per overdue step and assignee (idempotent by key); return how many were new."""
    today = today or timezone.localdate()
    sent = 0
    for dossier in overdue_dossiers(today):
        text = _("Quá hạn: %(dossier)s — bước «%(state)s» phải xong trước ngày %(day)s.") % {
            "dossier": dossier,
            "state": dossier.get_state_display(),
            "day": dossier.deadline.strftime("%d/%m/%Y"),
        }
        key = f"dossier-overdue:{dossier.pk}:{dossier.state}:{dossier.deadline.isoformat()}"
        for user in assignees(dossier):
            # its mail goes out from its own task after the commit, retried (workflows.notifications)
            if (
                create_notification(recipient=user, key=key, text=text, url=dossier.get_absolute_url())
                is None
            ):
                continue  # already reminded of this step
            sent += 1
    return sent
