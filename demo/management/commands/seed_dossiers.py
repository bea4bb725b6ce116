"""Demo dossiers for Quận Ninh Kiều in several states, created through the services and the engine. Idempotent."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction

from dossiers import services
from dossiers.models import AwardRecord, Dossier, InitiativeRecognition, Nominee, YearlyRating
from dossiers.rule_versions import awards_for_year
from organisations.models import Unit
from workflows import engine

UNIT_CODE = "ninh-kieu"
YEAR = 2023
DEMO_USERS = ("unit.officer", "unit.head", "board.officer", "board.head")

#: (full name, kind, position, {award code: [years]}, {year: rating}, [(initiative scope, year)])
NOMINEES = [
    (
        "Trần Văn Hùng",
        "individual",
        "Trưởng phòng Nội vụ",
        {"cstdcs": [2022, 2023]},
        {2021: "HTT", 2022: "HTXS", 2023: "HTXS"},
        [],
    ),
    (
        "Nguyễn Thị Mai",
        "individual",
        "Phó Chánh Văn phòng HĐND và UBND quận",
        {"cstdcs": [2021, 2022, 2023]},
        {2021: "HTXS", 2022: "HTXS", 2023: "HTXS"},
        [("city", 2023)],
    ),
    ("Lê Minh Tâm", "individual", "Chuyên viên Phòng Tư pháp", {"cstdcs": [2023]}, {2023: "HTT"}, []),
    (
        "Phạm Quốc Bảo",
        "individual",
        "Hiệu trưởng Trường THCS Đoàn Thị Điểm",
        {"cstd-tp": [2022, 2023]},
        {2022: "HTXS", 2023: "HTXS"},
        [("state", 2023)],
    ),
    ("Phòng Tài chính - Kế hoạch quận Ninh Kiều", "collective", "", {}, {}, []),
    (
        "Võ Thị Ngọc Hân",
        "individual",
        "Chủ tịch UBND phường Tân An",
        {"cstdcs": [2022, 2023]},
        {2022: "HTXS", 2023: "HTXS"},
        [],
    ),
]
#: The education sector's teacher (Sở GD&ĐT rates on the school year, numbered by the year it ends in: 2023 is
#: 2022–2023): her school years 2020–2021 to 2022–2023, and her unit's draft dossier for 2022–2023 (activity 22).
EDUCATION_UNIT_CODE = "so-gd-dt"
EDUCATION_USER = "edu.officer"
EDUCATION_NOMINEE = (
    "Lương Thị Thu Trang",
    "individual",
    "Giáo viên Trường THPT Châu Văn Liêm",
    {"ldtt": [2021], "cstdcs": [2022, 2023]},
    {2021: "HTT", 2022: "HTXS", 2023: "HTXS"},
    [],
)
EDUCATION_DOSSIER = "Đề nghị Bằng khen của Chủ tịch UBND thành phố năm học 2022–2023 (đang soạn)"
COLLECTIVE_FIGURES = {
    "members_total": 14,
    "members_completed": 14,
    "members_advanced": 11,
    "members_grassroots_fighters": 2,
    "members_disciplined": 0,
}


def _demo_pdf(title: str) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=f"<meta charset='utf-8'><h1>{title}</h1><p>Tài liệu mẫu của dữ liệu trình diễn.</p>"
    ).write_pdf()


class Command(BaseCommand):
    help = "Give the demo a few award dossiers of Quận Ninh Kiều in various states (through the engine)."

    def handle(self, *args, **options):
        users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERS)}
        unit = Unit.objects.filter(code=UNIT_CODE).first()
        if unit is None or len(users) < len(DEMO_USERS):
            self.stdout.write("seed_dossiers: demo units or users missing; run seed_demo first.")
            return
        self.users = users
        self.pdf = _demo_pdf("Hồ sơ đề nghị khen thưởng")
        with transaction.atomic():
            nominees = {row[0]: self._nominee(unit, *row) for row in NOMINEES}
            created = self._dossiers(unit, nominees)
            created += self._education()
        if options.get("verbosity", 1):
            self.stdout.write(f"seed_dossiers: {created} demo dossiers created.")

    def _nominee(self, unit, name, kind, position, titles, ratings, initiatives, *, user=None) -> Nominee:
        nominee = Nominee.objects.filter(unit=unit, full_name=name).first()
        if nominee is not None:
            return nominee
        nominee = services.nominee_create(
            unit=unit,
            user=user or self.users["unit.officer"],
            kind=kind,
            full_name=name,
            position=position,
            birth_year=1978 if kind == "individual" else None,
            gender="female" if "Thị" in name else ("male" if kind == "individual" else ""),
        )
        for code, years in titles.items():
            for year in years:
                # the award as the rules in force that year had it (dossiers.rule_versions): 2021–2023, Decree 91
                award = awards_for_year(year).get(code=code)
                AwardRecord.objects.create(
                    nominee=nominee,
                    award=award,
                    year=year,
                    authority=award.deciding_authority,
                    decision_number=f"{100 + year % 100}/QĐ-UBND",
                    decision_date=date(year, 12, 28),
                )
        for year, rating in ratings.items():
            YearlyRating.objects.create(nominee=nominee, year=year, rating=rating)
        for scope, year in initiatives:
            # a national scope stands on a central recognition, never on the city council (issue 16)
            national = scope == "state"
            InitiativeRecognition.objects.create(
                nominee=nominee,
                scope=scope,
                year=year,
                title=f"Số hóa quy trình tiếp nhận hồ sơ một cửa ({year})",
                recognised_by="Bộ Giáo dục và Đào tạo" if national else "Hội đồng Sáng kiến thành phố",
                central_document_number=f"{year % 100}/QĐ-BGDĐT" if national else "",
                central_document_date=date(year, 10, 5) if national else None,
            )
        return nominee

    def _education(self) -> int:
        """Sở GD&ĐT's teacher with three school years of ratings and titles, and a draft dossier of her unit
        for the school year 2022–2023 (skipped when the unit or its officer is missing)."""
        unit = Unit.objects.filter(code=EDUCATION_UNIT_CODE).first()
        officer = get_user_model().objects.filter(username=EDUCATION_USER).first()
        if unit is None or officer is None:
            return 0
        nominee = self._nominee(unit, *EDUCATION_NOMINEE, user=officer)
        if Dossier.objects.filter(unit=unit, title=EDUCATION_DOSSIER).exists():
            return 0
        dossier = services.dossier_create(
            unit=unit, year=YEAR, occasion="annual", title=EDUCATION_DOSSIER, user=officer
        )
        services.line_add(
            dossier=dossier,
            nominee=nominee,
            award=awards_for_year(YEAR).get(code="bk-tp"),
            user=officer,
            achievement_report=f"{nominee.full_name} hoàn thành xuất sắc nhiệm vụ năm học {YEAR - 1}–{YEAR}, "
            "hai năm học liền Chiến sĩ thi đua cơ sở, có học sinh đạt giải học sinh giỏi cấp thành phố.",
        )
        return 1

    def _upload(self, dossier, kind, line=None):
        upload = SimpleUploadedFile(f"{kind}.pdf", self.pdf, content_type="application/pdf")
        services.document_upload(
            dossier=dossier, kind=kind, line=line, upload=upload, user=self.users["unit.officer"]
        )

    def _dossier(self, unit, title, lines, *, complete=True) -> Dossier | None:
        if Dossier.objects.filter(unit=unit, title=title).exists():
            return None
        dossier = services.dossier_create(
            unit=unit, year=YEAR, occasion="annual", title=title, user=self.users["unit.officer"]
        )
        kinds = set()
        for nominee, code, figures in lines:
            award = awards_for_year(YEAR).get(code=code)
            line = services.line_add(
                dossier=dossier,
                nominee=nominee,
                award=award,
                user=self.users["unit.officer"],
                achievement_report=f"{nominee.full_name} hoàn thành xuất sắc nhiệm vụ năm {YEAR}, "
                "có nhiều đóng góp cho phong trào thi đua của quận.",
                **figures,
            )
            kinds |= set(award.required_documents)
            if complete:
                for kind in award.required_documents:
                    if kind not in services.DOSSIER_LEVEL_KINDS:
                        self._upload(dossier, kind, line)
        if complete:
            for kind in sorted(kinds & set(services.DOSSIER_LEVEL_KINDS)):
                self._upload(dossier, kind)
        return dossier

    def _dossiers(self, unit, nominees) -> int:
        head, board, board_head = (
            self.users["unit.head"],
            self.users["board.officer"],
            self.users["board.head"],
        )
        created = 0
        if self._dossier(
            unit,
            "Đề nghị Bằng khen cho cá nhân có thành tích năm 2023 (đang soạn)",
            [(nominees["Lê Minh Tâm"], "bk-tp", {})],
            complete=False,
        ):
            created += 1
        submitted = self._dossier(
            unit,
            "Đề nghị Bằng khen của Chủ tịch UBND thành phố năm 2023",
            [(nominees["Trần Văn Hùng"], "bk-tp", {})],
        )
        if submitted:
            engine.perform(submitted, "submit", user=head, data={"comment": "Kính trình Ban TĐKT thành phố."})
            created += 1
        returned = self._dossier(
            unit,
            "Đề nghị Bằng khen cho Chủ tịch UBND phường Tân An",
            [(nominees["Võ Thị Ngọc Hân"], "bk-tp", {})],
        )
        if returned:
            engine.perform(returned, "submit", user=head)
            engine.perform(
                returned,
                "return_for_supplement",
                user=board,
                data={
                    "comment": "Hồ sơ cần bổ sung trước khi tiếp nhận.",
                    "items": "Võ Thị Ngọc Hân – Bằng khen: báo cáo thành tích chưa có xác nhận của cấp trình\n"
                    "Biên bản họp Hội đồng TĐKT quận thiếu chữ ký thư ký",
                    "working_days": 5,
                },
            )
            created += 1
        accepted = self._dossier(
            unit,
            "Đề nghị danh hiệu thi đua cấp thành phố năm 2023",
            [
                (nominees["Nguyễn Thị Mai"], "cstd-tp", {}),
                (nominees["Phòng Tài chính - Kế hoạch quận Ninh Kiều"], "ttldxs", COLLECTIVE_FIGURES),
            ],
        )
        if accepted:
            engine.perform(accepted, "submit", user=head)
            engine.perform(accepted, "accept", user=board)
            created += 1
        appraised = self._dossier(
            unit, "Đề nghị Chiến sĩ thi đua toàn quốc năm 2023", [(nominees["Phạm Quốc Bảo"], "cstd-tq", {})]
        )
        if appraised:
            engine.perform(appraised, "submit", user=head)
            engine.perform(appraised, "accept", user=board)
            for line in appraised.lines.all():
                engine.perform(
                    line,
                    "propose",
                    user=board,
                    data={
                        "comment": "Đủ tiêu chuẩn theo Điều 21 Luật TĐKT: 2 lần CSTĐ thành phố, sáng kiến toàn quốc."
                    },
                )
            engine.perform(appraised, "sign_off", user=board_head)
            created += 1
        return created
