"""Demo data for council sessions: the city emulation council's voting rule and one planned session. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from councils.models import CouncilRule, Session
from councils.registry import Threshold, ThresholdBase
from councils.services import _session_create, agenda_item_add
from dossiers.rule_versions import citations, version_for_year
from organisations.models import Council, CouncilKind, Unit
from workflows.audit import SYSTEM

DEMO_TITLE = "Phiên họp Hội đồng Thi đua - Khen thưởng thành phố (phiên trình diễn)"
#: the year whose achievements the planned session considers: the last full year
_YEAR = timezone.localdate().year - 1
DEMO_ITEMS = [
    (
        "Tặng Cờ thi đua của Ủy ban nhân dân thành phố cho Ủy ban nhân dân quận Ninh Kiều",
        f"Dẫn đầu Khối thi đua các quận, huyện năm {_YEAR}; hoàn thành vượt mức các chỉ tiêu kinh tế - xã hội.",
        "ninh-kieu",
        Threshold(percent=Decimal("90"), base=ThresholdBase.TOTAL_MEMBERS),
    ),
    (
        "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân thành phố cho tập thể Khoa Hồi sức tích cực, Sở Y tế",
        f"Thành tích xuất sắc trong công tác khám, chữa bệnh năm {_YEAR}.",
        "so-y-te",
        Threshold(percent=Decimal("66.667"), ratio=(2, 3), base=ThresholdBase.TOTAL_MEMBERS),
    ),
    (
        "Đề nghị Thủ tướng Chính phủ tặng Bằng khen cho Sở Giáo dục và Đào tạo",
        f"Hoàn thành xuất sắc nhiệm vụ năm học {_YEAR - 1}-{_YEAR}.",
        "so-gd-dt",
        Threshold(percent=Decimal("50"), strict=True, base=ThresholdBase.TOTAL_MEMBERS),
    ),
]


class Command(BaseCommand):
    help = "Give the city emulation council its voting rule and one planned demo session (idempotent)."

    def handle(self, *args, **options):
        council = Council.objects.filter(kind=CouncilKind.EMULATION).order_by("pk").first()
        if council is None:
            self.stdout.write("No emulation council: run seed_demo first.")
            return
        term = council.terms.order_by("-starts_on").first()
        with transaction.atomic():
            CouncilRule.objects.get_or_create(council=council)
            if term is None or Session.objects.filter(council_term=term, title=DEMO_TITLE).exists():
                return
            session = _session_create(
                council_term=term,
                title=DEMO_TITLE,
                actor=SYSTEM,
                planned_on=timezone.localdate() + timedelta(days=7),
                place="Hội trường Ủy ban nhân dân thành phố Cần Thơ",
            )
            # the achievements of _YEAR are judged by the rules in force at its end (dossiers.rule_versions)
            basis = citations([version_for_year(_YEAR)])
            for title, summary, unit_code, threshold in DEMO_ITEMS:
                agenda_item_add(
                    session=session,
                    title=title,
                    summary=summary,
                    proposing_unit=Unit.objects.filter(code=unit_code).first(),
                    threshold=threshold,
                    actor=SYSTEM,
                    legal_basis=basis,
                )
        if options.get("verbosity", 1):
            self.stdout.write(self.style.SUCCESS(f"Planned demo session: {session}"))
