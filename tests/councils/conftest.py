"""A council term with a chair, a standing member, a secretary and ordinary members, and a session helper."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from councils import services
from councils.registry import Threshold, ThresholdBase
from tests.factories import CouncilTermFactory, UnitFactory
from workflows import engine
from workflows.models import Role


@dataclass
class Council:
    term: object
    chair: object
    standing: object
    secretary: object
    board: object
    members: list = field(default_factory=list)

    @property
    def voters(self) -> list:
        """Every voting member: chair, standing member, then the ordinary members."""
        return [self.chair, self.standing, *self.members]


MEETING_DAY = timezone.localdate() + timedelta(days=10)


@pytest.fixture
def council(db, person):
    """A term of 21 voting members (chair, standing member, 19 members) plus a non-voting secretary."""

    def _council(size=21, **rule):
        term = CouncilTermFactory(starts_on=timezone.localdate() - timedelta(days=400))
        if rule:
            from tests.factories import CouncilRuleFactory

            CouncilRuleFactory(council=term.council, **rule)
        chair = person(f"chair{term.pk}", Role.COUNCIL_CHAIR, council_term=term)
        standing = person(f"standing{term.pk}", Role.COUNCIL_STANDING_MEMBER, council_term=term)
        secretary = person(f"secretary{term.pk}", Role.COUNCIL_SECRETARY, council_term=term)
        board = person(f"board{term.pk}", Role.BOARD_OFFICER)
        members = [
            person(f"m{term.pk}-{i}", Role.COUNCIL_MEMBER, council_term=term) for i in range(1, size - 1)
        ]
        return Council(term, chair, standing, secretary, board, members)

    return _council


def threshold(percent="50", base=ThresholdBase.TOTAL_MEMBERS, strict=False, ratio=None, written=True):
    return Threshold(
        percent=Decimal(percent), base=base, strict=strict, ratio=ratio, written_votes_allowed=written
    )


@pytest.fixture
def session_for():
    """session_for(council, items=[...]) → a convened session with free-form agenda items, not yet locked;
    session_for(council, subject=x) → one item for the registered subject x, on its own terms."""

    def _session(c, items=None, unit=None, nominee=None, subject=None):
        items = items or [("Bằng khen cho ông A", threshold("90"))]
        session = services.session_create(
            council_term=c.term,
            title="Phiên họp thứ nhất năm 2023",
            planned_on=MEETING_DAY,
            actor=c.board,
            place="Hội trường UBND",
        )
        engine.perform(
            session,
            "convene",
            user=c.secretary,
            data={"planned_on": MEETING_DAY.isoformat(), "place": "Hội trường UBND thành phố"},
        )
        if subject is not None:
            services.agenda_subject_add(session=session, subject=subject, actor=c.secretary)
            items = []
        for title, rule in items:
            services.agenda_item_add(
                session=session,
                title=title,
                summary="Thành tích xuất sắc",
                proposing_unit=unit,
                nominee_user=nominee,
                threshold=rule,
                actor=c.secretary,
            )
        session.refresh_from_db()
        return session

    return _session


def attend(session, c, present, absent=()):
    for member in present:
        services.attendance_record(session=session, member=member, status="present", actor=c.secretary)
    for member in absent:
        services.attendance_record(session=session, member=member, status="absent", actor=c.secretary)


def start_voting(session, c, present=None, mode="all_items"):
    """Lock the agenda, record attendance, open the meeting and the ballots."""
    engine.perform(session, "lock_agenda", user=c.secretary)
    present = c.voters if present is None else present
    attend(session, c, present, [m for m in c.voters if m not in present])
    engine.perform(session, "open", user=c.chair)
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": mode})
    session.refresh_from_db()
    return session


@pytest.fixture
def a_unit(db):
    return UnitFactory(name="Sở Y tế thành phố")
