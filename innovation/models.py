"""Innovation review rounds (đợt xét sáng kiến): rounds, initiatives, authors, reviewers and their scores."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models.catalogue import AwardLevel
from workflows.models import StateField, StatefulModel


class RoundState(models.TextChoices):
    OPEN = "open", _("Đang nhận hồ sơ")
    SUBMISSIONS_CLOSED = "submissions_closed", _("Đã hết hạn nhận hồ sơ")
    SCREENING = "screening", _("Đang rà soát")
    REVIEWING = "reviewing", _("Đang chấm điểm")
    REVIEWS_COMPLETE = "reviews_complete", _("Đã chấm xong")
    IN_COUNCIL = "in_council", _("Hội đồng đang xét")
    RESULTS_PUBLISHED = "results_published", _("Đã công bố kết quả")
    CERTIFICATES_ISSUED = "certificates_issued", _("Đã cấp giấy chứng nhận")


class InitiativeState(models.TextChoices):
    SUBMITTED = "submitted", _("Đã nộp")
    RETURNED = "returned", _("Trả lại để bổ sung")
    RESUBMITTED = "resubmitted", _("Đã nộp lại")
    SCREENED = "screened", _("Đã rà soát")
    UNDER_REVIEW = "under_review", _("Đang chấm điểm")
    REVIEWED = "reviewed", _("Đã chấm điểm")
    RECOGNISED = "recognised", _("Được công nhận")
    NOT_RECOGNISED = "not_recognised", _("Không được công nhận")
    CERTIFIED = "certified", _("Đã cấp giấy chứng nhận")


#: Rounds whose results everyone may read.
PUBLISHED_ROUND_STATES = (RoundState.RESULTS_PUBLISHED, RoundState.CERTIFICATES_ISSUED)
#: Initiatives the council recognised (with or without their certificates issued yet).
RECOGNISED_STATES = (InitiativeState.RECOGNISED, InitiativeState.CERTIFIED)


class InitiativeField(models.TextChoices):
    ECONOMY = "economy", _("Kinh tế")
    CULTURE = "culture", _("Văn hóa")
    SOCIETY = "society", _("Xã hội")
    DEFENCE_SECURITY = "defence_security", _("Quốc phòng, an ninh")
    EDUCATION = "education", _("Giáo dục và đào tạo")
    HEALTH = "health", _("Y tế")
    OTHER = "other", _("Khác")


class Round(StatefulModel):
    """One review round of an innovation council term: its window, criteria and pass rules."""

    council_term = models.ForeignKey(
        "organisations.CouncilTerm",
        verbose_name=_("nhiệm kỳ hội đồng sáng kiến"),
        on_delete=models.PROTECT,
        related_name="innovation_rounds",
    )
    title = models.CharField(_("tên đợt"), max_length=300)
    fields = models.CharField(
        _("lĩnh vực"),
        max_length=255,
        blank=True,
        help_text=_("Các lĩnh vực xét trong đợt, cách nhau bởi dấu phẩy."),
    )
    submission_opens_on = models.DateField(_("nhận hồ sơ từ ngày"))
    submission_closes_on = models.DateField(_("nhận hồ sơ đến ngày"))
    pass_score = models.DecimalField(
        _("tổng điểm tối thiểu để trình hội đồng"), max_digits=6, decimal_places=2, default=Decimal("70")
    )
    reviewers_per_initiative = models.PositiveSmallIntegerField(
        _("số người chấm mỗi sáng kiến"), default=2, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    spread_threshold = models.DecimalField(
        _("chênh lệch điểm cần lưu ý"), max_digits=6, decimal_places=2, default=Decimal("20")
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("người chấm của đợt"), blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "councils.Session",
        verbose_name=_("phiên họp hội đồng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = StateField(_("trạng thái"), choices=RoundState.choices, default=RoundState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đợt xét sáng kiến")
        verbose_name_plural = _("đợt xét sáng kiến")
        ordering = ["-submission_opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(submission_closes_on__gte=models.F("submission_opens_on")),
                name="innovation_round_window_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("innovation:round_detail", args=[self.pk])


class Criterion(models.Model):
    """A review criterion and its maximum points (data the Board edits per round)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tiêu chí"), max_length=255)
    max_points = models.DecimalField(
        _("điểm tối đa"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.5"))]
    )

    class Meta:
        verbose_name = _("tiêu chí chấm điểm")
        verbose_name_plural = _("tiêu chí chấm điểm")
        ordering = ["round", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"


class Initiative(StatefulModel):
    """An initiative (sáng kiến) submitted by a unit in a round."""

    round = models.ForeignKey(
        Round, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="initiatives"
    )
    title = models.CharField(_("tên sáng kiến"), max_length=500)
    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="initiatives"
    )
    field = models.CharField(_("lĩnh vực"), max_length=20, choices=InitiativeField.choices)
    summary = models.TextField(_("tóm tắt"))
    problem = models.TextField(_("vấn đề cần giải quyết"))
    solution = models.TextField(_("giải pháp"))
    first_applied_on = models.DateField(_("ngày áp dụng lần đầu"))
    benefits = models.TextField(_("hiệu quả đạt được"))
    requested_scope = models.CharField(
        _("phạm vi ảnh hưởng đề nghị"), max_length=16, choices=AwardLevel.choices, default=AwardLevel.CITY
    )
    lower_recognition = models.CharField(
        _("quyết định công nhận cấp dưới (nếu có)"), max_length=500, blank=True
    )
    recognised_scope = models.CharField(
        _("phạm vi được công nhận"), max_length=16, choices=AwardLevel.choices, blank=True
    )
    #: a national scope (toàn quốc) is never the council's to give: it stands on a central recognition,
    #: recorded by the Board (services.central_recognition_record)
    central_document_number = models.CharField(
        _("số văn bản công nhận của Trung ương"), max_length=60, blank=True
    )
    central_document_date = models.DateField(
        _("ngày văn bản công nhận của Trung ương"), null=True, blank=True
    )
    average_score = models.DecimalField(
        _("điểm trung bình"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nộp"), on_delete=models.PROTECT, related_name="+"
    )
    state = StateField(_("trạng thái"), choices=InitiativeState.choices, default=InitiativeState.SUBMITTED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sáng kiến")
        verbose_name_plural = _("sáng kiến")
        ordering = ["round", "pk"]
        indexes = [models.Index(fields=["round", "state"])]
        #: an object grant (django-guardian) of the reviewer assigned to it, given and taken by the assignment
        #: services (innovation/policies.py: may_score_initiative; the reviewer's reading in full)
        permissions = [("review_initiative", _("Chấm sáng kiến được phân công"))]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("innovation:initiative_detail", args=[self.pk])


class Author(models.Model):
    """An author (tác giả) of an initiative and their contribution share."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="authors")
    full_name = models.CharField(_("họ và tên"), max_length=255)
    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("đơn vị công tác"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    share = models.DecimalField(
        _("tỷ lệ đóng góp (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("tác giả")
        verbose_name_plural = _("tác giả")
        ordering = ["initiative", "-share", "pk"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.share} %)"


class Evidence(models.Model):
    """A PDF supporting an initiative (minh chứng): stored with its checksum, never overwritten."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("tệp"), upload_to="innovation/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    description = models.CharField(_("mô tả"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tài liệu minh chứng")
        verbose_name_plural = _("tài liệu minh chứng")
        ordering = ["initiative", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("innovation:evidence_download", args=[self.pk])


class ConflictDeclaration(models.Model):
    """A reviewer declares a conflict of interest with an initiative; they cannot be assigned to it."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("lý do"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("khai báo xung đột lợi ích")
        verbose_name_plural = _("khai báo xung đột lợi ích")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "reviewer"], name="innovation_conflict_once")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.initiative}"


class ReviewAssignment(models.Model):
    """The Board assigns a reviewer to an initiative."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chấm"),
        on_delete=models.PROTECT,
        related_name="innovation_assignments",
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phân công chấm")
        verbose_name_plural = _("phân công chấm")
        ordering = ["initiative", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "reviewer"], name="innovation_assignment_once")
        ]

    def __str__(self) -> str:
        return f"{self.initiative} · {self.reviewer}"


class Review(models.Model):
    """A reviewer's score sheet for one assignment; others see it only once it is submitted."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review")
    total = models.DecimalField(_("tổng điểm"), max_digits=6, decimal_places=2, default=Decimal("0"))
    comment = models.TextField(_("nhận xét chung"), blank=True)
    submitted = models.BooleanField(_("đã nộp"), default=False)
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiếu chấm")
        verbose_name_plural = _("phiếu chấm")

    def __str__(self) -> str:
        return f"{self.assignment} · {self.total}"


class Score(models.Model):
    """Points given for one criterion, with a short justification."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("điểm"), max_digits=5, decimal_places=2)
    justification = models.CharField(_("lý do cho điểm"), max_length=1000)

    class Meta:
        verbose_name = _("điểm tiêu chí")
        verbose_name_plural = _("điểm tiêu chí")
        ordering = ["review", "criterion__order"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="innovation_score_once")]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.points}"
