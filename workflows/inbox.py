"""Inbox providers: work a user can do right now that is not a transition of a registered machine.

An open ballot is cast through the councils services, a draft is completed through the dossier services: no
state machine says "this user has something to do" for them. Apps that own such work register a provider in
their AppConfig.ready() (workflows never imports them):

    inbox.register("councils.ballots", open_ballots)

A provider is called as provider(user, authorities, limit) and returns InboxItem rows, most urgent first, at
most limit + 1 of them (so the inbox can tell there are more). It must read a fixed number of queries
whatever the number of rows (none when the user holds no role it cares about): the inbox page's query count
is a benchmark figure (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .calendar import working_days_between

#: Urgency classes, most urgent first.
NOW = 0  # open now, for the user in person, and soon closed: a ballot
SOON = 1  # under way now: a meeting opened or voting
DUE = 2  # has a deadline (or none yet): ordered by the deadline


@dataclass
class InboxItem:
    """One row of the inbox: what, where to do it, what to do, and by when."""

    subject: models.Model
    title: str
    url: str
    kind: str
    actions: list[str]
    state: str = ""
    deadline: date | None = None
    priority: int = DUE
    note: str = ""
    today: date = field(default_factory=timezone.localdate)
    #: Rows about the same object and topic are one row (their actions merged); a ballot on a session is a
    #: topic of its own beside the session's transitions.
    topic: str = ""

    @property
    def key(self) -> tuple:
        return (self.subject._meta.label_lower, self.subject.pk, self.topic)

    def sort_key(self) -> tuple:
        return (self.priority, self.deadline is None, self.deadline or date.max, self.kind, self.title)

    @cached_property
    def working_days_left(self) -> int | None:
        """Working days from today to the deadline: 0 on the day, negative once it has passed."""
        if self.deadline is None:
            return None
        return working_days_between(self.today, self.deadline)

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.deadline < self.today

    @property
    def deadline_text(self) -> str:
        """ "Còn 3 ngày làm việc", "Hết hạn hôm nay", "Quá hạn 2 ngày làm việc" (empty without a deadline)."""
        left = self.working_days_left
        if left is None:
            return ""
        if self.deadline == self.today:
            return _("Hết hạn hôm nay")
        if self.deadline < self.today:
            late = max(-left, 0)
            if late == 0:  # passed over a weekend or a holiday: no working day lost yet
                return _("Đã qua hạn (ngày nghỉ)")
            return ngettext("Quá hạn %(n)d ngày làm việc", "Quá hạn %(n)d ngày làm việc", late) % {"n": late}
        if left == 0:
            return _("Hạn vào ngày nghỉ, còn 0 ngày làm việc")
        return ngettext("Còn %(n)d ngày làm việc", "Còn %(n)d ngày làm việc", left) % {"n": left}


Provider = Callable[..., Iterable[InboxItem]]

_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, by name) a source of inbox rows."""
    _PROVIDERS[name] = provider


def providers() -> list[tuple[str, Provider]]:
    return sorted(_PROVIDERS.items())
