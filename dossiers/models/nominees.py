"""Nominees (people, collectives, households) and what eligibility reads: awards, ratings, initiatives."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.models import RatingCalendar, period_label

from ..identity import validate_cccd
from .catalogue import AwardLevel, AwardType, OccasionKind, RecipientKind


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
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    cccd = models.CharField(
        _("số CCCD"),
        max_length=12,
        blank=True,
        validators=[validate_cccd],
        help_text=_("Số căn cước công dân, 12 chữ số (chỉ cho cá nhân)."),
    )
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices, blank=True)
    position = models.CharField(_("chức vụ"), max_length=255, blank=True)
    sub_unit = models.CharField(_("bộ phận, đơn vị trực thuộc"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đối tượng đề nghị")
        verbose_name_plural = _("đối tượng đề nghị")
        ordering = ["full_name"]
        constraints = [
            # one person, one nominee within the city: found by the CCCD, not by the name
            models.UniqueConstraint(
                fields=["cccd"],
                condition=models.Q(kind="individual") & ~models.Q(cccd=""),
                name="nominee_person_cccd_once",
            )
        ]

    def __str__(self) -> str:
        if self.kind == RecipientKind.INDIVIDUAL and self.position:
            return f"{self.full_name} ({self.position})"
        return self.full_name


class NomineeEmployment(models.Model):
    """One period of a nominee's employment at a unit (quá trình công tác): written by
    dossiers.transfers.nominee_transfer, which ends the current period the day before the transfer, opens the
    new one and moves Nominee.unit (the unit today). A nominee without periods (recorded before transfers were
    kept) is read as employed at Nominee.unit for their whole life. Periods of one nominee never overlap."""

    nominee = models.ForeignKey(
        Nominee, verbose_name=_("đối tượng"), on_delete=models.CASCADE, related_name="employments"
    )
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị công tác"),
        on_delete=models.PROTECT,
        related_name="nominee_employments",
    )
    #: empty valid_from: since always (before the first recorded transfer); empty valid_to: still there
    valid_from = models.DateField(_("từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)
    legal_act = models.CharField(_("quyết định điều động, chuyển công tác"), max_length=255, blank=True)
    note = models.CharField(_("ghi chú"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quá trình công tác")
        verbose_name_plural = _("quá trình công tác")
        ordering = ["nominee", models.F("valid_from").asc(nulls_first=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="nomineeemployment_ends_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["nominee", "valid_from"]),
            models.Index(fields=["unit", "valid_from"]),
        ]

    def __str__(self) -> str:
        start = self.valid_from.strftime("%d/%m/%Y") if self.valid_from else "…"
        end = self.valid_to.strftime("%d/%m/%Y") if self.valid_to else "…"
        return f"{self.nominee} · {self.unit} ({start} – {end})"


class HoldKind(models.TextChoices):
    DISCIPLINE = "discipline", _("Kỷ luật")
    INSPECTION = "inspection", _("Thanh tra, kiểm tra")
    COMPLAINT = "complaint", _("Khiếu nại, tố cáo")
    PRESS = "press", _("Báo chí phản ánh")


class NomineeHold(models.Model):
    """A dated reason not to award a nominee now (kỷ luật, thanh tra, khiếu nại, báo chí phản ánh): recorded and
    lifted by the Board through services.hold_create / hold_lift (audited). In force from `starts_on` until
    `ends_on` (open-ended when empty) unless lifted; while in force it blocks the submission of a dossier
    holding the nominee, putting the nominee on a council's agenda and the decision for that line."""

    nominee = models.ForeignKey(
        Nominee, verbose_name=_("đối tượng"), on_delete=models.PROTECT, related_name="holds"
    )
    kind = models.CharField(_("loại"), max_length=16, choices=HoldKind.choices)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"), null=True, blank=True)
    source_document = models.CharField(_("văn bản căn cứ"), max_length=500)
    note = models.CharField(_("ghi chú"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ghi"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_on = models.DateField(_("ngày gỡ"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gỡ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lift_note = models.CharField(_("lý do gỡ"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("tạm dừng xét khen thưởng")
        verbose_name_plural = _("tạm dừng xét khen thưởng")
        ordering = ["nominee", "-starts_on", "-pk"]
        indexes = [models.Index(fields=["nominee", "lifted_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.source_document}"

    def in_force(self, day) -> bool:
        return (
            self.lifted_on is None and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
        )

    def describe(self) -> str:
        until = self.ends_on.strftime("%d/%m/%Y") if self.ends_on else _("chưa xác định")
        return _("%(kind)s (%(source)s, từ %(start)s đến %(end)s)") % {
            "kind": self.get_kind_display(),
            "source": self.source_document,
            "start": self.starts_on.strftime("%d/%m/%Y"),
            "end": until,
        }


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
    #: regular yearly merit, a thematic movement or a sudden achievement: only annual awards make merit chains
    occasion = models.CharField(
        _("loại khen thưởng"), max_length=16, choices=OccasionKind.choices, default=OccasionKind.ANNUAL
    )
    #: the calendar `year` is on (the nominee's sector calendar when recorded): 2023 on the school year is
    #: the school year 2022–2023
    calendar = models.CharField(
        _("lịch bình xét"),
        max_length=12,
        choices=RatingCalendar.choices,
        default=RatingCalendar.CALENDAR_YEAR,
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
        return f"{self.nominee} · {self.award} · {self.period}"

    @property
    def period(self) -> str:
        return period_label(self.year, self.calendar)


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
    calendar = models.CharField(
        _("lịch bình xét"),
        max_length=12,
        choices=RatingCalendar.choices,
        default=RatingCalendar.CALENDAR_YEAR,
    )
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
        return f"{self.nominee} · {self.period} · {self.rating}"

    @property
    def period(self) -> str:
        return period_label(self.year, self.calendar)


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
    #: a national scope (toàn quốc) stands only on a central recognition, recorded here (number and date)
    central_document_number = models.CharField(
        _("số văn bản công nhận của Trung ương"), max_length=60, blank=True
    )
    central_document_date = models.DateField(
        _("ngày văn bản công nhận của Trung ương"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("sáng kiến, đề tài được công nhận")
        verbose_name_plural = _("sáng kiến, đề tài được công nhận")
        ordering = ["nominee", "-year"]

    def __str__(self) -> str:
        return self.title
