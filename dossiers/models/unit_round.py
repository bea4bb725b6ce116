"""A unit's own year-end round (đợt bình xét của đơn vị): the titles and forms the unit decides itself (Lao động
tiên tiến, Chiến sĩ thi đua cơ sở, Giấy khen… route `unit_decides`, Luật TĐKT 2022 Đ.80), imported as one list,
voted on by the unit's own emulation council and decided by the unit head in one decision with an annex. It never
reaches the Board's queue or the city chairman. Quotas (AwardQuota) cap how many of an award a submission may
hold, as data per award version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.models import StateField, StatefulModel

from .catalogue import AwardType
from .nominees import AwardRecord, Nominee, Rating


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Đang lập danh sách")
    ON_AGENDA = "on_agenda", _("Đã trình hội đồng đơn vị")
    VOTED = "voted", _("Hội đồng đơn vị đã xét")
    DECIDED = "decided", _("Đã có quyết định khen thưởng")
    WITHDRAWN = "withdrawn", _("Đã hủy đợt bình xét")


class UnitRound(StatefulModel):
    """One year's round of the unit's own awards: its lines, the unit council session, the unit head's decision."""

    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="award_rounds"
    )
    year = models.PositiveSmallIntegerField(_("năm thành tích"))
    title = models.CharField(_("tên đợt bình xét"), max_length=255)
    state = StateField(_("trạng thái"), choices=RoundState.choices, default=RoundState.DRAFT)
    session = models.ForeignKey(
        "councils.Session",
        verbose_name=_("phiên họp hội đồng đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký quyết định"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người lập"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đợt bình xét của đơn vị")
        verbose_name_plural = _("đợt bình xét của đơn vị")
        ordering = ["-year", "-created_at"]
        indexes = [models.Index(fields=["unit", "year"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("dossiers:unit_round", args=[self.pk])


class RoundLineState(models.TextChoices):
    PENDING = "pending", _("Chờ trình hội đồng đơn vị")
    ON_AGENDA = "on_agenda", _("Đưa ra hội đồng đơn vị")
    PASSED = "passed", _("Hội đồng đơn vị thông qua")
    FAILED = "failed", _("Hội đồng đơn vị không thông qua")
    AWARDED = "awarded", _("Được khen thưởng")
    NOT_AWARDED = "not_awarded", _("Không khen thưởng")


class UnitRoundLine(StatefulModel):
    """One row of the round: a nominee (a person of the unit, or a collective: the unit itself or one of its
    sub-units), the unit-level award proposed, the year's rating (persons) or the member figures (collectives),
    and the achievement."""

    unit_round = models.ForeignKey(
        UnitRound, verbose_name=_("đợt bình xét"), on_delete=models.CASCADE, related_name="lines"
    )
    row_number = models.PositiveIntegerField(_("dòng trong tệp"))
    nominee = models.ForeignKey(
        Nominee, verbose_name=_("đối tượng"), on_delete=models.PROTECT, related_name="round_lines"
    )
    award = models.ForeignKey(
        AwardType,
        verbose_name=_("danh hiệu, hình thức"),
        on_delete=models.PROTECT,
        related_name="round_lines",
    )
    rating = models.CharField(_("xếp loại trong năm"), max_length=4, choices=Rating.choices, blank=True)
    achievement_report = models.TextField(_("tóm tắt thành tích"))
    #: a collective's member figures (from the file's «Tập thể» sheet), named as on a city dossier's line
    #: (DossierNominee) since the same collective_ratio rules read them; empty on a person's line
    members_total = models.PositiveIntegerField(_("tổng số thành viên"), null=True, blank=True)
    members_completed = models.PositiveIntegerField(_("số hoàn thành nhiệm vụ"), null=True, blank=True)
    members_advanced = models.PositiveIntegerField(_("số đạt Lao động tiên tiến"), null=True, blank=True)
    members_grassroots_fighters = models.PositiveIntegerField(
        _("số đạt Chiến sĩ thi đua cơ sở"), null=True, blank=True
    )
    members_disciplined = models.PositiveIntegerField(
        _("số bị kỷ luật từ khiển trách trở lên"), null=True, blank=True
    )
    state = StateField(_("kết quả"), choices=RoundLineState.choices, default=RoundLineState.PENDING)
    council_item_ref = models.CharField(_("mục trong chương trình họp"), max_length=60, blank=True)
    council_explanation = models.CharField(_("kết quả biểu quyết"), max_length=255, blank=True)
    council_agree = models.PositiveIntegerField(null=True, blank=True)
    council_disagree = models.PositiveIntegerField(null=True, blank=True)
    council_abstain = models.PositiveIntegerField(null=True, blank=True)
    council_base = models.PositiveIntegerField(null=True, blank=True)
    award_record = models.OneToOneField(
        AwardRecord,
        verbose_name=_("bản ghi sổ vàng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="round_line",
    )

    class Meta:
        verbose_name = _("đối tượng trong đợt bình xét")
        verbose_name_plural = _("đối tượng trong đợt bình xét")
        ordering = ["unit_round", "row_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit_round", "nominee", "award"], name="unitroundline_once"),
        ]

    def __str__(self) -> str:
        return f"{self.nominee.full_name} · {self.award}"

    def get_absolute_url(self) -> str:
        return reverse("dossiers:unit_round", args=[self.unit_round_id]) + f"#dong-{self.row_number}"


class QuotaScope(models.TextChoices):
    UNIT = "unit", _("Trong đơn vị đề nghị")
    CITY = "city", _("Toàn thành phố")


class AwardQuota(models.Model):
    """At most `max_percent` % of the holders of `base_award_code` in the same year (in the proposing unit, or in
    the whole city) may receive `award` (this version of it): CSTĐCS ≤ 15 % of the unit's LĐTT (NĐ 91/2017 Đ.9
    k.3, former rule: off by default), Cờ thi đua của Chính phủ ≤ 20 % of the collectives that led their cluster or
    block, i.e. received Cờ thi đua thành phố (CV 5007/BNV-TĐKT). A breach blocks the submission."""

    award = models.ForeignKey(
        AwardType, verbose_name=_("danh hiệu, hình thức"), on_delete=models.CASCADE, related_name="quotas"
    )
    base_award_code = models.SlugField(_("mã danh hiệu làm cơ sở tính"), max_length=40)
    scope = models.CharField(_("phạm vi tính"), max_length=8, choices=QuotaScope.choices)
    max_percent = models.DecimalField(_("tỷ lệ tối đa (%)"), max_digits=5, decimal_places=2)
    is_active = models.BooleanField(_("đang áp dụng"), default=False)
    description = models.CharField(_("mô tả"), max_length=500)
    legal_source = models.CharField(_("căn cứ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("tỷ lệ tối đa được khen")
        verbose_name_plural = _("tỷ lệ tối đa được khen")
        ordering = ["award", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["award", "base_award_code", "scope"], name="awardquota_once"),
            models.CheckConstraint(
                condition=Q(max_percent__gte=0) & Q(max_percent__lte=100), name="awardquota_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return self.description
