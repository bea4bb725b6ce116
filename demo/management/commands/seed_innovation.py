"""Demo data for innovation rounds: one open round of the city innovation council with its reviewer pool and one
initiative submitted by Quận Ninh Kiều. Idempotent; run by seed_demo after the units, councils and logins."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from innovation import services
from innovation.models import Round
from organisations.models import CouncilKind, CouncilTerm, Unit
from workflows import audit
from workflows.models import Role

#: the round of the current year (a demo loaded in another year opens that year's round)
DEMO_TITLE = f"Đợt xét công nhận sáng kiến năm {timezone.localdate().year} (đợt trình diễn)"
DEMO_REVIEWERS = [f"innovation.member{index}" for index in range(1, 7)]
DEMO_INITIATIVE = {
    "title": "Tiếp nhận và trả kết quả hồ sơ hành chính qua ứng dụng Zalo của phường",
    "field": "society",
    "summary": "Người dân gửi ảnh hồ sơ qua Zalo, cán bộ một cửa kiểm tra trước và hẹn ngày trả kết quả.",
    "problem": "Người dân phải đến phường nhiều lần vì hồ sơ thiếu giấy tờ.",
    "solution": "Kiểm tra hồ sơ trực tuyến trước khi tiếp nhận; nhắn tin báo kết quả.",
    "benefits": "Giảm 40 % số lần người dân phải đến phường; 1.250 hồ sơ được kiểm tra trước sau 9 tháng áp dụng.",
    "requested_scope": "city",
}


def demo_initiative(today: date) -> dict:
    """The initiative with dates relative to today: applied for nine months, recognised by the district since."""
    recognised = today - timedelta(days=45)
    return {
        **DEMO_INITIATIVE,
        "first_applied_on": today - timedelta(days=270),
        "lower_recognition": f"Quyết định 15/QĐ-UBND ngày {recognised:%d/%m/%Y} của UBND quận Ninh Kiều",
    }


class Command(BaseCommand):
    help = "Create the demo innovation round (open, with reviewers and one initiative). Idempotent."

    def handle(self, *args, **options):
        if Round.objects.filter(title=DEMO_TITLE).exists():
            return
        term = (
            CouncilTerm.objects.filter(council__kind=CouncilKind.INNOVATION)
            .select_related("council")
            .order_by("-starts_on")
            .first()
        )
        users = get_user_model().objects
        board = users.filter(username="board.officer").first()
        officer = users.filter(username="unit.officer").first()
        unit = Unit.objects.filter(code="ninh-kieu").first()
        if term is None or board is None:
            self.stderr.write("seed_innovation: run seed_demo first (no innovation council or Board login)")
            return
        today = timezone.localdate()
        with transaction.atomic():
            round_ = services.round_create(
                council_term=term,
                title=DEMO_TITLE,
                fields="Kinh tế, Văn hóa, Xã hội, Giáo dục và đào tạo, Y tế",
                submission_opens_on=today - timedelta(days=7),
                submission_closes_on=today + timedelta(days=60),
                actor=audit.Actor(user=board, role=Role.BOARD_OFFICER),
            )
            services.round_reviewers_set(
                round_=round_,
                reviewers=list(users.filter(username__in=DEMO_REVIEWERS).order_by("username")),
                actor=audit.Actor(user=board, role=Role.BOARD_OFFICER),
            )
            if officer is not None and unit is not None:
                services.initiative_submit(
                    round_=round_,
                    unit=unit,
                    data=demo_initiative(today),
                    authors=[
                        {"full_name": "Huỳnh Ngọc Anh", "unit": unit, "share": "70", "user": officer},
                        {"full_name": "Lâm Thị Bích Trâm", "unit": unit, "share": "30"},
                    ],
                    actor=audit.Actor(user=officer, role=Role.UNIT_OFFICER),
                )
