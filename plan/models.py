"""The annual emulation and commendation plan (kế hoạch TĐKT năm): the city's plan, its numbered activities,
the plans units derive from it, their progress reports, and council members' oversight assignments.

The models moved here from the engine core (issue 13) with their rows: each keeps the table it had there
(`db_table = "workflows_…"`; plan/migrations/0001_initial.py)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.models import StateField, StatefulModel


class Plan(models.Model):
    """The city's plan for one year, e.g. Kế hoạch 244/KH-UBND ngày 20/12/2022 for 2023."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    number = models.CharField(_("số ký hiệu"), max_length=60, blank=True)
    title = models.CharField(_("trích yếu"), max_length=300)
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=200)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    purposes = models.TextField(_("mục đích"), blank=True)
    requirements = models.TextField(_("yêu cầu"), blank=True)
    duties = models.JSONField(_("tổ chức thực hiện"), default=list, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("sao chép từ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )

    class Meta:
        db_table = "workflows_plan"
        verbose_name = _("kế hoạch TĐKT")
        verbose_name_plural = _("kế hoạch TĐKT")
        ordering = ["-year"]

    def __str__(self) -> str:
        if self.number:
            return f"{self.number}: {self.title}"
        return f"{self.title} ({_('dự thảo')})"

    def get_absolute_url(self) -> str:
        return reverse("plan:dashboard", args=[self.year])

    @property
    def is_issued(self) -> bool:
        return bool(self.number and self.issued_on)


class ActivityKind(models.TextChoices):
    COUNCIL_SESSION = "council_session", _("Phiên họp Hội đồng TĐKT")
    INNOVATION_ROUND = "innovation_round", _("Đợt xét, công nhận sáng kiến")
    CONFERENCE = "conference", _("Hội nghị")
    REPORT = "report", _("Báo cáo")
    CLUSTER_SUMMARY = "cluster_summary", _("Sơ kết, tổng kết Cụm, Khối thi đua")
    PACT_SIGNING = "pact_signing", _("Ký kết giao ước thi đua")
    CLUSTER_DIVISION = "cluster_division", _("Phân chia Cụm, Khối thi đua")
    CLUSTER_HEAD_APPROVAL = "cluster_head_approval", _("Chuẩn y Trưởng, Phó Cụm, Khối")
    CLUSTER_SCORING = "cluster_scoring", _("Chấm điểm thi đua Cụm, Khối")
    MOVEMENT_PLAN = "movement_plan", _("Kế hoạch phát động phong trào thi đua")
    MOVEMENT_SUMMARY = "movement_summary", _("Sơ kết, tổng kết phong trào và khen thưởng")
    CENTRAL_REGISTRATION = "central_registration", _("Đăng ký thi đua với Trung ương")
    DELEGATION = "delegation", _("Đoàn công tác")
    PROPAGANDA = "propaganda", _("Tuyên truyền, kỷ niệm")
    AWARD_CEREMONY = "award_ceremony", _("Tuyên dương, khen thưởng")
    TRAINING = "training", _("Tập huấn nghiệp vụ")
    INSPECTION = "inspection", _("Kiểm tra")
    PUBLICATION = "publication", _("Xuất bản, phát hành")
    DIRECTIVE = "directive", _("Chỉ đạo, hướng dẫn")
    REGULATION_REVISION = "regulation_revision", _("Sửa đổi, bổ sung quy định")
    YEARBOOK = "yearbook", _("Kỷ yếu, sổ vàng")
    NEXT_YEAR_PLAN = "next_year_plan", _("Kế hoạch năm sau")
    OTHER = "other", _("Khác")


class ActivityState(models.TextChoices):
    PLANNED = "planned", _("Chưa triển khai")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    COMPLETED = "completed", _("Hoàn thành")
    POSTPONED = "postponed", _("Tạm hoãn")
    CANCELLED = "cancelled", _("Hủy bỏ")


#: States in which an activity still has a deadline to meet.
OPEN_STATES = (ActivityState.PLANNED, ActivityState.IN_PROGRESS)


def evidence_upload_to(instance, filename: str) -> str:
    return f"plan/{instance.plan.year}/activity-{instance.number}/{filename}"


class Activity(StatefulModel):
    """One numbered line of section II of the plan: what, by whom, by when; a state machine of its own."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="activities"
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"), validators=[MinValueValidator(1)])
    quarter = models.PositiveSmallIntegerField(
        _("quý"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    content = models.TextField(_("nội dung"))
    kind = models.CharField(
        _("loại hoạt động"), max_length=32, choices=ActivityKind.choices, default=ActivityKind.OTHER
    )
    lead_unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị chủ trì"),
        on_delete=models.PROTECT,
        related_name="led_plan_activities",
    )
    coordinating_units = models.ManyToManyField(
        "organisations.Unit",
        verbose_name=_("đơn vị phối hợp"),
        blank=True,
        related_name="coordinated_plan_activities",
    )
    coordinates_with_related_agencies = models.BooleanField(
        _("phối hợp các cơ quan liên quan"), default=False
    )
    lead_note = models.CharField(_("ghi chú đơn vị thực hiện"), max_length=300, blank=True)
    due_text = models.CharField(_("thời gian (theo văn bản)"), max_length=120, blank=True)
    planned_due_date = models.DateField(_("hạn theo kế hoạch"))
    due_date = models.DateField(_("hạn hiện tại"))
    state = StateField(_("trạng thái"), choices=ActivityState.choices, default=ActivityState.PLANNED)
    started_on = models.DateField(_("ngày bắt đầu"), null=True, blank=True)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    evidence_number = models.CharField(_("số văn bản kết quả"), max_length=100, blank=True)
    evidence_date = models.DateField(_("ngày văn bản kết quả"), null=True, blank=True)
    evidence_file = models.FileField(
        _("tệp minh chứng (PDF)"), upload_to=evidence_upload_to, blank=True, max_length=300
    )
    postponement_reason = models.TextField(_("lý do tạm hoãn"), blank=True)
    cancellation_reason = models.TextField(_("lý do hủy"), blank=True)
    process_type = models.ForeignKey(
        ContentType,
        verbose_name=_("loại quy trình liên kết"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    process_id = models.CharField(_("mã quy trình liên kết"), max_length=64, blank=True)
    process = GenericForeignKey("process_type", "process_id")

    class Meta:
        db_table = "workflows_activity"
        verbose_name = _("hoạt động kế hoạch")
        verbose_name_plural = _("hoạt động kế hoạch TĐKT")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="activity_number_once_per_plan"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="activity_quarter_1_to_4"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="activity_state_due_idx")]

    def __str__(self) -> str:
        return f"{self.number}. {self.short_content}"

    @property
    def short_content(self) -> str:
        return self.content if len(self.content) <= 90 else self.content[:87].rstrip() + "…"

    def get_absolute_url(self) -> str:
        return reverse("plan:activity", args=[self.pk])

    @property
    def has_process(self) -> bool:
        return bool(self.process_type_id and self.process_id)


class UnitPlan(models.Model):
    """A unit's own plan for the year, derived from the city's (section III.1), registered with the Board."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch thành phố"), on_delete=models.PROTECT, related_name="unit_plans"
    )
    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="unit_plans"
    )
    number = models.CharField(_("số ký hiệu"), max_length=60, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    summary = models.TextField(_("nội dung chính"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người đăng ký"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("thời điểm đăng ký"), auto_now_add=True)

    class Meta:
        db_table = "workflows_unitplan"
        verbose_name = _("kế hoạch của đơn vị")
        verbose_name_plural = _("kế hoạch của đơn vị")
        ordering = ["plan", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["plan", "unit"], name="unit_plan_once_per_year")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.plan.year}"

    def get_absolute_url(self) -> str:
        return reverse("plan:unit_plan", args=[self.pk])


class UnitPlanItem(models.Model):
    """One line of a unit's plan, usually derived from a city activity."""

    unit_plan = models.ForeignKey(UnitPlan, on_delete=models.CASCADE, related_name="items")
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("hoạt động của thành phố"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_plan_items",
    )
    content = models.TextField(_("nội dung"))
    due_date = models.DateField(_("thời hạn"), null=True, blank=True)

    class Meta:
        db_table = "workflows_unitplanitem"
        verbose_name = _("nội dung kế hoạch đơn vị")
        verbose_name_plural = _("nội dung kế hoạch đơn vị")
        ordering = ["unit_plan", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_plan", "activity"],
                condition=Q(activity__isnull=False),
                name="unit_plan_item_once_per_activity",
            ),
        ]

    def __str__(self) -> str:
        return self.content[:80]


class ReportPeriod(models.TextChoices):
    Q1 = "q1", _("Quý I")
    HALF_YEAR = "half_year", _("6 tháng")
    Q3 = "q3", _("9 tháng")
    YEAR = "year", _("Năm")


class ProgressReport(models.Model):
    """A unit's periodic report on its plan ("định kỳ báo cáo về UBND thành phố qua Ban TĐKT")."""

    unit_plan = models.ForeignKey(UnitPlan, on_delete=models.CASCADE, related_name="reports")
    period = models.CharField(_("kỳ báo cáo"), max_length=16, choices=ReportPeriod.choices)
    items_done = models.PositiveIntegerField(_("số nội dung đã hoàn thành"), default=0)
    content = models.TextField(_("kết quả thực hiện"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người báo cáo"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("thời điểm báo cáo"), auto_now_add=True)

    class Meta:
        db_table = "workflows_progressreport"
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        ordering = ["unit_plan", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit_plan", "period"], name="progress_report_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit_plan} · {self.get_period_display()}"


class OversightAssignment(models.Model):
    """A council member assigned to oversee a unit for the year (section III.2: kiểm tra, đôn đốc)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="oversight_assignments"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("thành viên hội đồng"),
        on_delete=models.PROTECT,
        related_name="plan_oversight",
    )
    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("đơn vị phụ trách"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "workflows_oversightassignment"
        verbose_name = _("phân công phụ trách")
        verbose_name_plural = _("phân công phụ trách")
        ordering = ["plan", "member", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["plan", "member", "unit"], name="oversight_once")]

    def __str__(self) -> str:
        return f"{self.member} → {self.unit}"
