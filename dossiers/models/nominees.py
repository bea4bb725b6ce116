"""Nominees (people, collectives, households) and what eligibility reads: awards, ratings, initiatives."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalogue import AwardLevel, AwardType, RecipientKind


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class Nominee(models.Model):
    """Someone a unit may propose: a person, a collective (the unit or a sub-unit) or a household."""

    kind = models.CharField(
        _("đối tượng"), max_length=16, choices=[c for c in RecipientKind.choices if c[0] != RecipientKind.ANY]
    )
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị quản lý"),
        on_delete=models.PROTECT,
        related_name="nominees",
    )
    full_name = models.CharField(_("họ và tên / tên tập thể"), max_length=255)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices, blank=True)
    position = models.CharField(_("chức vụ"), max_length=255, blank=True)
    sub_unit = models.CharField(_("bộ phận, đơn vị trực thuộc"), max_length=255, blank=True)
    on_hold = models.BooleanField(_("đang bị kỷ luật, thanh tra hoặc khiếu nại"), default=False)
    hold_reason = models.CharField(_("lý do tạm dừng xét"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đối tượng đề nghị")
        verbose_name_plural = _("đối tượng đề nghị")
        ordering = ["full_name"]

    def __str__(self) -> str:
        if self.kind == RecipientKind.INDIVIDUAL and self.position:
            return f"{self.full_name} ({self.position})"
        return self.full_name


class RecordSource(models.TextChoices):
    IMPORTED = "imported", _("Nhập từ hồ sơ cũ")
    DECIDED_HERE = "decided_here", _("Quyết định trên hệ thống")


class RecordStatus(models.TextChoices):
    DECLARED = "declared", _("Đơn vị khai báo, chờ Ban xác nhận")
    CONFIRMED = "confirmed", _("Ban đã xác nhận")
    REJECTED = "rejected", _("Ban không xác nhận")


class DeclaredHistory(models.Model):
    """What a unit declared about a nominee's past (a title, a rating, an initiative) and the Board's check of
    it. Only CONFIRMED records count toward eligibility; rows entered by the Board or decided here are
    confirmed from the start."""

    status = models.CharField(
        _("tình trạng xác nhận"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.CONFIRMED
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người khai báo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("thời điểm khai báo"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("thời điểm xác nhận"), null=True, blank=True)
    review_note = models.CharField(_("ghi chú của Ban"), max_length=500, blank=True)

    class Meta:
        abstract = True


class AwardRecord(DeclaredHistory):
    """An award a nominee received (here or elsewhere): the history eligibility rules read; the "sổ vàng"."""

    nominee = models.ForeignKey(
        Nominee, verbose_name=_("đối tượng"), on_delete=models.PROTECT, related_name="award_records"
    )
    award = models.ForeignKey(
        AwardType, verbose_name=_("danh hiệu, hình thức"), on_delete=models.PROTECT, related_name="records"
    )
    year = models.PositiveSmallIntegerField(_("năm thành tích"))
    authority = models.CharField(_("cấp quyết định"), max_length=255)
    decision_number = models.CharField(_("số quyết định"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    source = models.CharField(
        _("nguồn"), max_length=16, choices=RecordSource.choices, default=RecordSource.IMPORTED
    )
    dossier_nominee = models.OneToOneField(
        "dossiers.DossierNominee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="award_record",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("khen thưởng đã nhận")
        verbose_name_plural = _("sổ vàng khen thưởng")
        ordering = ["-year", "nominee__full_name"]
        indexes = [models.Index(fields=["nominee", "year"])]

    def __str__(self) -> str:
        return f"{self.nominee} · {self.award} · {self.year}"


class Rating(models.TextChoices):
    EXCELLENT = "HTXS", _("Hoàn thành xuất sắc nhiệm vụ")
    GOOD = "HTT", _("Hoàn thành tốt nhiệm vụ")
    COMPLETED = "HT", _("Hoàn thành nhiệm vụ")
    NOT_COMPLETED = "KHT", _("Không hoàn thành nhiệm vụ")


#: Higher is better; used for "rated X or better".
RATING_RANK = {Rating.EXCELLENT: 4, Rating.GOOD: 3, Rating.COMPLETED: 2, Rating.NOT_COMPLETED: 1}


class YearlyRating(DeclaredHistory):
    """The yearly staff quality rating of a person (xếp loại chất lượng)."""

    nominee = models.ForeignKey(Nominee, on_delete=models.CASCADE, related_name="ratings")
    year = models.PositiveSmallIntegerField(_("năm"))
    rating = models.CharField(_("xếp loại"), max_length=4, choices=Rating.choices)
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)

    class Meta:
        verbose_name = _("xếp loại hằng năm")
        verbose_name_plural = _("xếp loại hằng năm")
        ordering = ["nominee", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["nominee", "year"],
                condition=~models.Q(status="rejected"),
                name="yearlyrating_once_a_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.nominee} · {self.year} · {self.rating}"


#: Initiative scope levels, lowest first (cơ sở < thành phố < toàn quốc).
SCOPE_RANK = {AwardLevel.GRASSROOTS: 1, AwardLevel.CITY: 2, AwardLevel.STATE: 3}


class InitiativeRecognition(DeclaredHistory):
    """A recognised initiative or accepted research project of a nominee, with its scope of influence."""

    nominee = models.ForeignKey(Nominee, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(_("tên sáng kiến, đề tài"), max_length=500)
    scope = models.CharField(_("phạm vi ảnh hưởng"), max_length=16, choices=AwardLevel.choices)
    year = models.PositiveSmallIntegerField(_("năm công nhận"))
    recognised_by = models.CharField(_("cơ quan công nhận"), max_length=255, blank=True)
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("sáng kiến, đề tài được công nhận")
        verbose_name_plural = _("sáng kiến, đề tài được công nhận")
        ordering = ["nominee", "-year"]

    def __str__(self) -> str:
        return self.title
