"""Helpers for the innovation tests: a round with its people, initiatives submitted through the services."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from innovation import services
from tests.factories import InnovationCouncilTermFactory, UnitFactory
from workflows.models import Role


@dataclass
class Cast:
    term: object
    board: object
    unit: object
    officer: object
    other_unit: object
    other_officer: object
    chair: object
    standing: object
    secretary: object
    members: list = field(default_factory=list)
    reviewers: list = field(default_factory=list)

    @property
    def voters(self) -> list:
        return [self.chair, self.standing, *self.members]


def make_cast(person, reviewers=4, members=3) -> Cast:
    term = InnovationCouncilTermFactory(starts_on=timezone.localdate() - timedelta(days=400))
    unit = UnitFactory(name="Sở Khoa học và Công nghệ")
    other_unit = UnitFactory(name="Sở Giáo dục và Đào tạo")
    pool = []
    for index in range(reviewers):
        user = person(f"reviewer{term.pk}-{index}")
        user.last_name, user.first_name = "Phạm Quốc", f"Chuyên gia {index}"
        user.save()
        pool.append(user)
    return Cast(
        term=term,
        board=person(f"board{term.pk}", Role.BOARD_OFFICER),
        unit=unit,
        officer=person(f"officer{term.pk}", Role.UNIT_OFFICER, unit=unit),
        other_unit=other_unit,
        other_officer=person(f"officer2-{term.pk}", Role.UNIT_OFFICER, unit=other_unit),
        chair=person(f"chair{term.pk}", Role.COUNCIL_CHAIR, council_term=term),
        standing=person(f"standing{term.pk}", Role.COUNCIL_STANDING_MEMBER, council_term=term),
        secretary=person(f"secretary{term.pk}", Role.COUNCIL_SECRETARY, council_term=term),
        members=[
            person(f"member{term.pk}-{i}", Role.COUNCIL_MEMBER, council_term=term) for i in range(members)
        ],
        reviewers=pool,
    )


def open_round(cast: Cast, **options):
    today = timezone.localdate()
    round_ = services.round_create(
        council_term=cast.term,
        title="Đợt 1 năm 2023: lĩnh vực kinh tế, văn hóa, xã hội",
        fields="Kinh tế, Văn hóa, Xã hội",
        submission_opens_on=today - timedelta(days=5),
        submission_closes_on=today + timedelta(days=20),
        actor=cast.board,
        **options,
    )
    services.round_reviewers_set(round_=round_, reviewers=cast.reviewers, actor=cast.board)
    return round_


def initiative_data(title="Số hóa quy trình tiếp nhận hồ sơ một cửa", **overrides):
    data = {
        "title": title,
        "field": "economy",
        "summary": "Ứng dụng phần mềm tiếp nhận hồ sơ trực tuyến.",
        "problem": "Người dân phải đến nộp hồ sơ giấy nhiều lần.",
        "solution": "Tiếp nhận và trả kết quả qua cổng dịch vụ công.",
        "first_applied_on": date(2022, 3, 1),
        "benefits": "Giảm 60 % thời gian xử lý hồ sơ.",
        "requested_scope": "city",
        "lower_recognition": "",
    }
    data.update(overrides)
    return data


def submit(
    cast: Cast,
    round_,
    title="Số hóa quy trình tiếp nhận hồ sơ một cửa",
    authors=None,
    unit=None,
    officer=None,
):
    unit = unit or cast.unit
    authors = authors or [
        {"full_name": "Lê Thị Mai", "unit": unit, "share": "60"},
        {"full_name": "Trần Văn Bình", "unit": unit, "share": "40"},
    ]
    return services.initiative_submit(
        round_=round_,
        unit=unit,
        data=initiative_data(title),
        authors=authors,
        actor=officer or cast.officer,
    )


def scores_for(round_, points):
    """{criterion id: (points, justification)} giving `points` (a fraction of each maximum, 0..1)."""
    from decimal import Decimal

    return {
        criterion.pk: (
            (criterion.max_points * Decimal(str(points))).quantize(Decimal("0.01")),
            "Đánh giá theo hồ sơ.",
        )
        for criterion in round_.criteria.all()
    }


def recognise(cast, round_, initiatives, scores=0.8):
    """Run `round_` (its initiatives already submitted) through screening, reviews and the council's secret
    ballot (everyone agrees) until `initiatives` are recognised; returns the council session."""
    from councils import services as council_services
    from councils.models import AgendaItem
    from tests.councils.conftest import start_voting
    from workflows import engine

    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    for initiative in initiatives:
        engine.perform(initiative, "screen", user=cast.board)
    services.assignments_balance(round_=round_, actor=cast.board)
    services.round_start_reviewing(round_=round_, user=cast.board)
    for initiative in initiatives:
        for assignment in initiative.assignments.all():
            services.review_save(
                assignment=assignment,
                scores=scores_for(round_, scores),
                actor=assignment.reviewer,
                submit=True,
            )
    engine.perform(round_, "complete_reviews", user=cast.board)
    meeting_day = timezone.localdate() + timedelta(days=3)
    session = services.round_send_to_council(round_=round_, planned_on=meeting_day, actor=cast.board)
    engine.perform(session, "convene", user=cast.secretary, data={"planned_on": meeting_day.isoformat()})
    start_voting(session, cast)
    for item in AgendaItem.objects.filter(session=session):
        for member in cast.voters:
            council_services.ballot_cast(item=item, choice="agree", actor=member)
    council_services.session_close_voting(session=session, user=cast.secretary)
    engine.perform(session, "draft_minutes", user=cast.secretary, data={"minutes_number": "05/BB-HĐSK"})
    engine.perform(session, "sign_minutes", user=cast.chair)
    engine.perform(
        session,
        "issue_resolution",
        user=cast.chair,
        data={"resolution_number": "06/QĐ-HĐSK", "resolution_issued_on": meeting_day.isoformat()},
    )
    session.refresh_from_db()
    return session


def pdf_upload(name="minh-chung.pdf", body=b"noi dung minh chung"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pdfs import pdf_bytes

    return SimpleUploadedFile(name, pdf_bytes(body), content_type="application/pdf")
