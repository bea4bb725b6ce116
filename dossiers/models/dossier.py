"""The dossier (hồ sơ đề nghị khen thưởng), its nominee lines, documents, return requests and comments."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.models import StateField, StatefulModel

from .catalogue import AwardType, DocumentKind, OccasionKind
from .nominees import Nominee


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã trình")
    RETURNED = "returned", _("Trả lại để bổ sung")
    ACCEPTED = "accepted", _("Ban TĐKT đã tiếp nhận")
    APPRAISED = "appraised", _("Đã thẩm định")
    ON_AGENDA = "on_agenda", _("Đưa ra hội đồng")
    VOTED = "voted", _("Hội đồng đã xét")
    POSTED = "posted", _("Đang công khai")
    DECIDED = "decided", _("Đã có quyết định")
    FORWARDED = "forwarded", _("Đã trình Trung ương")
    CLOSED = "closed", _("Hoàn tất")
    WITHDRAWN = "withdrawn", _("Đơn vị đã rút")


#: States in which nothing more is expected from anyone.
FINAL_STATES = (DossierState.CLOSED, DossierState.WITHDRAWN)
#: States in which the unit may still edit lines and documents.
EDITABLE_STATES = (DossierState.DRAFT, DossierState.RETURNED)


class Dossier(StatefulModel):
    """A unit's proposal for one year and occasion, listing one or more nominees with one award each."""

    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị đề nghị"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    year = models.PositiveSmallIntegerField(_("năm thành tích"))
    occasion = models.CharField(
        _("loại khen thưởng"), max_length=16, choices=OccasionKind.choices, default=OccasionKind.ANNUAL
    )
    title = models.CharField(_("trích yếu"), max_length=255)
    state = StateField(_("trạng thái"), choices=DossierState.choices, default=DossierState.DRAFT)
    deadline = models.DateField(_("hạn xử lý bước hiện tại"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("thời điểm trình"), null=True, blank=True)
    submission_count = models.PositiveSmallIntegerField(_("số lần trình"), default=0)
    posted_until = models.DateField(_("công khai đến ngày"), null=True, blank=True)
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    central_submission_number = models.CharField(_("số tờ trình Trung ương"), max_length=60, blank=True)
    central_submission_date = models.DateField(_("ngày trình Trung ương"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người lập"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ đề nghị khen thưởng")
        verbose_name_plural = _("hồ sơ đề nghị khen thưởng")
        ordering = ["-created_at"]
        # the object grant of the Board officer assigned to a dossier (dossiers.policies, guardian)
        permissions = [("handle_dossier", _("xử lý hồ sơ được giao"))]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["unit", "-created_at"]),
            models.Index(fields=["-created_at"]),
            models.Index(fields=["deadline", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.unit.short_name or self.unit.name}, {self.year})"

    def get_absolute_url(self) -> str:
        return reverse("dossiers:detail", args=[self.pk])


class NomineeState(models.TextChoices):
    PENDING = "pending", _("Chờ thẩm định")
    PROPOSED = "proposed", _("Ban đề nghị trình hội đồng")
    NOT_PROPOSED = "not_proposed", _("Ban không đề nghị")
    ON_AGENDA = "on_agenda", _("Đưa ra hội đồng")
    PASSED = "passed", _("Hội đồng thông qua")
    FAILED = "failed", _("Hội đồng không thông qua")
    APPROVED = "approved", _("Chủ tịch UBND đồng ý")
    REJECTED = "rejected", _("Chủ tịch UBND không đồng ý")
    FORWARDED = "forwarded", _("Đã trình Trung ương")
    CENTRAL_APPROVED = "central_approved", _("Trung ương quyết định khen")
    CENTRAL_REJECTED = "central_rejected", _("Trung ương không khen")


class DossierNominee(StatefulModel):
    """One line of a dossier: a nominee, the award proposed, the achievement report and its own outcome."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="lines"
    )
    nominee = models.ForeignKey(
        Nominee, verbose_name=_("đối tượng"), on_delete=models.PROTECT, related_name="lines"
    )
    award = models.ForeignKey(
        AwardType,
        verbose_name=_("danh hiệu, hình thức đề nghị"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    # The rules the line is judged by, chosen from the achievement (dossiers.rule_versions.version_for_year) and
    # kept when the rules change later.
    rule_version = models.ForeignKey(
        "dossiers.RuleVersion",
        verbose_name=_("phiên bản quy định áp dụng"),
        on_delete=models.PROTECT,
        related_name="lines",
        null=True,
        blank=True,
    )
    achievement_report = models.TextField(_("tóm tắt thành tích"))
    members_total = models.PositiveIntegerField(_("tổng số thành viên"), null=True, blank=True)
    members_completed = models.PositiveIntegerField(_("số hoàn thành nhiệm vụ"), null=True, blank=True)
    members_advanced = models.PositiveIntegerField(_("số đạt Lao động tiên tiến"), null=True, blank=True)
    members_grassroots_fighters = models.PositiveIntegerField(
        _("số đạt Chiến sĩ thi đua cơ sở"), null=True, blank=True
    )
    members_disciplined = models.PositiveIntegerField(
        _("số bị kỷ luật từ khiển trách trở lên"), null=True, blank=True
    )
    state = StateField(_("kết quả"), choices=NomineeState.choices, default=NomineeState.PENDING)
    board_opinion = models.TextField(_("ý kiến thẩm định của Ban"), blank=True)
    council_term = models.ForeignKey(
        "organisations.CouncilTerm",
        verbose_name=_("nhiệm kỳ hội đồng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    council_item_ref = models.CharField(_("mục trong chương trình họp"), max_length=60, blank=True)
    council_explanation = models.CharField(_("kết quả biểu quyết"), max_length=255, blank=True)
    council_agree = models.PositiveIntegerField(null=True, blank=True)
    council_disagree = models.PositiveIntegerField(null=True, blank=True)
    council_abstain = models.PositiveIntegerField(null=True, blank=True)
    council_base = models.PositiveIntegerField(null=True, blank=True)
    chair_note = models.CharField(_("ý kiến Chủ tịch"), max_length=500, blank=True)
    central_decision_number = models.CharField(_("số quyết định Trung ương"), max_length=60, blank=True)
    central_decision_date = models.DateField(_("ngày quyết định Trung ương"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("đối tượng trong hồ sơ")
        verbose_name_plural = _("đối tượng trong hồ sơ")
        ordering = ["dossier", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "nominee", "award"], name="dossiernominee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.nominee.full_name} · {self.award}"

    def get_absolute_url(self) -> str:
        return reverse("dossiers:detail", args=[self.dossier_id]) + f"#line-{self.pk}"


class DossierDocument(models.Model):
    """One version of one document of a dossier (or of one line): PDF, checksum stored, never overwritten."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    line = models.ForeignKey(
        DossierNominee,
        verbose_name=_("đối tượng"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("loại tài liệu"), max_length=32, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    file = models.FileField(_("tệp"), upload_to="dossiers/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    submission_round = models.PositiveSmallIntegerField(_("lần trình"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tài liệu hồ sơ")
        verbose_name_plural = _("tài liệu hồ sơ")
        ordering = ["dossier", "line", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "line", "kind", "version"],
                name="dossierdocument_line_version",
                condition=models.Q(line__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["dossier", "kind", "version"],
                name="dossierdocument_dossier_version",
                condition=models.Q(line__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.original_name})"


class Submission(models.Model):
    """What the unit sent at one submission (lines and current documents), to show changes between rounds."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveSmallIntegerField(_("lần trình"))
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "number"]
        constraints = [models.UniqueConstraint(fields=["dossier", "number"], name="submission_number_once")]

    def __str__(self) -> str:
        return f"{self.dossier_id} · lần {self.number}"


class ReturnItem(models.Model):
    """One point the Board asks the unit to supplement, with the deadline of that return."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="return_items")
    line = models.ForeignKey(
        DossierNominee, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("lần trả"))
    text = models.CharField(_("nội dung cần bổ sung"), max_length=1000)
    deadline = models.DateField(_("hạn bổ sung"))

    class Meta:
        ordering = ["dossier", "round", "pk"]

    def __str__(self) -> str:
        return self.text


class PublicComment(models.Model):
    """A comment from the public on a posted nominee; a serious complaint sends the nominee back to appraisal."""

    line = models.ForeignKey(DossierNominee, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(_("họ và tên người góp ý"), max_length=255)
    contact = models.CharField(_("địa chỉ, số điện thoại hoặc thư điện tử"), max_length=255)
    text = models.TextField(_("nội dung góp ý"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    # the Board's recorded answer (dossiers.notice.public_comment_answer): a comment is resolved once answered
    answer = models.TextField(_("trả lời của Ban TĐKT"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)

    class Meta:
        verbose_name = _("ý kiến góp ý công khai")
        verbose_name_plural = _("ý kiến góp ý công khai")
        ordering = ["line", "created_at"]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:60]}"

    @property
    def resolved(self) -> bool:
        return self.answered_at is not None
