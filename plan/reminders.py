"""Reminders for plan activities: to the lead unit N working days before the due date and on the day;
overdue activities escalate to the Board head. Each reminder is a Notification with an idempotent key,
so running the job twice (or every hour) sends each one once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from plan.models import OPEN_STATES, Activity, ActivityState
from workflows.models import UNIT_ROLES, Membership, Role
from workflows.notifications import create_notification
from workflows.roles import active_q

from .deadlines import effective_due, reminder_day, working_days_late

DEFAULT_DAYS_BEFORE = 5


@dataclass(frozen=True)
class Reminder:
    activity: Activity
    stage: str  # "before", "due", "overdue"
    key: str
    text: str


def days_before_setting() -> int:
    return int(getattr(settings, "PLAN_REMINDER_WORKING_DAYS", DEFAULT_DAYS_BEFORE))


def _users(condition: Q, day: date) -> list:
    user_ids = Membership.objects.filter(active_q(day)).filter(condition).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def lead_unit_recipients(activity: Activity, day: date) -> list:
    """The lead unit's TĐKT officers and head; for a unit without them (e.g. the Board itself), Board officers."""
    users = _users(Q(role__in=UNIT_ROLES, unit_id=activity.lead_unit_id), day)
    return users or _users(Q(role=Role.BOARD_OFFICER, unit__isnull=True, council_term__isnull=True), day)


def activity_followers(activity: Activity, day: date) -> list:
    """Recipients of an activity's transition notifications (see ActivityLifecycle.recipients)."""
    city_wide = Q(unit__isnull=True, council_term__isnull=True)
    condition = Q(role__in=UNIT_ROLES, unit_id=activity.lead_unit_id) | (
        Q(role=Role.BOARD_OFFICER) & city_wide
    )
    if activity.state in (ActivityState.POSTPONED, ActivityState.CANCELLED):
        condition |= Q(role=Role.BOARD_HEAD) & city_wide
    return _users(condition, day)


def board_heads(day: date) -> list:
    return _users(Q(role=Role.BOARD_HEAD, unit__isnull=True, council_term__isnull=True), day)


def due_reminders(today: date, days_before: int) -> list[Reminder]:
    """What is due to be sent today, one reminder per open activity at most."""
    result = []
    for activity in Activity.objects.filter(state__in=OPEN_STATES).select_related("plan", "lead_unit"):
        due = effective_due(activity.due_date)
        base = f"plan-activity:{activity.pk}:{due.isoformat()}"
        due_label = due.strftime("%d/%m/%Y")
        if working_days_late(activity, today) >= 1:
            text = _("Quá hạn: hoạt động %(activity)s (hạn %(due)s, %(unit)s chủ trì).") % {
                "activity": activity,
                "due": due_label,
                "unit": activity.lead_unit,
            }
            result.append(Reminder(activity, "overdue", f"{base}:overdue", text))
        elif today == due:
            text = _("Đến hạn hôm nay: hoạt động %(activity)s.") % {"activity": activity}
            result.append(Reminder(activity, "due", f"{base}:due", text))
        elif reminder_day(activity, days_before) <= today < due:
            text = _("Sắp đến hạn %(due)s: hoạt động %(activity)s.") % {
                "activity": activity,
                "due": due_label,
            }
            result.append(Reminder(activity, "before", f"{base}:before", text))
    return result


def send_reminders(today: date | None = None, days_before: int | None = None) -> int:
    """Create today's reminder notifications (idempotent by key); return how many were new."""
    today = today or timezone.localdate()
    days_before = days_before_setting() if days_before is None else days_before
    sent = 0
    heads = None
    for reminder in due_reminders(today, days_before):
        if reminder.stage == "overdue":
            heads = board_heads(today) if heads is None else heads
            recipients = heads
        else:
            recipients = lead_unit_recipients(reminder.activity, today)
        for user in recipients:
            # its mail goes out from its own task after the commit, retried (workflows.notifications)
            notification = create_notification(
                recipient=user, key=reminder.key, text=reminder.text, url=reminder.activity.get_absolute_url()
            )
            if notification is None:
                continue  # already reminded
            sent += 1
    return sent
