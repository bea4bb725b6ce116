"""Organisations as data: units (cơ quan, đơn vị, địa phương), councils and their terms."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    AGENCY = "agency", _("Cơ quan, đơn vị trực thuộc")
    LOCALITY = "locality", _("Địa phương (quận, huyện)")
    ENTERPRISE = "enterprise", _("Doanh nghiệp")
    SCHOOL = "school", _("Trường học")
    MASS_ORGANISATION = "mass_organisation", _("Đoàn thể, hội")
    PARTY_BODY = "party_body", _("Cơ quan Đảng")
    OTHER = "other", _("Khác")


class RatingCalendar(models.TextChoices):
    """The calendar a sector rates and awards on: the calendar year, or the school year for education
    (a school year is numbered by the year it ends in: 2023 is the school year 2022–2023)."""

    CALENDAR_YEAR = "calendar", _("Năm dương lịch")
    SCHOOL_YEAR = "school_year", _("Năm học")


#: A school year runs from 1 September of the year before to 31 August of the year it is numbered by.
SCHOOL_YEAR_FIRST_MONTH = 9


def period_of(day, calendar: str) -> int:
    """The rating period (year number) holding `day` on `calendar`."""
    if calendar == RatingCalendar.SCHOOL_YEAR and day.month >= SCHOOL_YEAR_FIRST_MONTH:
        return day.year + 1
    return day.year


def period_label(year: int, calendar: str) -> str:
    """How a period reads: "2023" on the calendar year, "2022–2023" on the school year."""
    if calendar == RatingCalendar.SCHOOL_YEAR:
        return f"{year - 1}–{year}"
    return str(year)


class Unit(models.Model):
    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=80, blank=True)
    kind = models.CharField(_("loại"), max_length=32, choices=UnitKind.choices, default=UnitKind.AGENCY)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    #: the unit's legal life: empty valid_from = since always (units recorded before dates were kept),
    #: empty valid_to = still in force; a succession (UnitSuccession) ends the predecessors the day before
    valid_from = models.DateField(_("có hiệu lực từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("có hiệu lực đến ngày"), null=True, blank=True)
    #: the sector's rating calendar: consecutive years of its people are counted on it (education: school year)
    rating_calendar = models.CharField(
        _("lịch bình xét"),
        max_length=12,
        choices=RatingCalendar.choices,
        default=RatingCalendar.CALENDAR_YEAR,
        help_text=_("Năm dương lịch, hoặc năm học cho ngành giáo dục (năm học 2022–2023 ghi là 2023)."),
    )

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            )
        ]

    def __str__(self) -> str:
        return self.name


class UnitParentPeriod(models.Model):
    """The unit's parent over one period (the dated tree): Unit.parent is the parent today, kept in step by
    workflows.organisation_services.unit_parent_change; periods of one unit never overlap."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="parent_periods"
    )
    parent = models.ForeignKey(
        Unit, verbose_name=_("đơn vị cấp trên"), on_delete=models.PROTECT, related_name="child_periods"
    )
    valid_from = models.DateField(_("từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("giai đoạn trực thuộc")
        verbose_name_plural = _("giai đoạn trực thuộc")
        ordering = ["unit", models.F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="unitparentperiod_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(unit=models.F("parent")), name="unitparentperiod_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.parent} ({self.valid_from or '…'} – {self.valid_to or '…'})"


class SuccessionKind(models.TextChoices):
    MERGE = "merge", _("Hợp nhất")
    SPLIT = "split", _("Chia tách")
    RENAME = "rename", _("Đổi tên")
    ABSORB = "absorb", _("Sáp nhập vào đơn vị khác")


class UnitSuccession(models.Model):
    """One link of a reorganisation: `predecessor` continues as `successor` from `effective_on`, by the legal
    act named. A merge of three units is three links to one successor; a split, links to several."""

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị trước"), on_delete=models.PROTECT, related_name="successions_out"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị kế thừa"), on_delete=models.PROTECT, related_name="successions_in"
    )
    kind = models.CharField(_("hình thức"), max_length=12, choices=SuccessionKind.choices)
    effective_on = models.DateField(_("ngày có hiệu lực"))
    legal_act = models.CharField(_("văn bản quy định"), max_length=255, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("kế thừa đơn vị")
        verbose_name_plural = _("kế thừa đơn vị")
        ordering = ["effective_on", "successor", "predecessor"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unitsuccession_once"),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")), name="unitsuccession_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()}, {self.effective_on})"


class CouncilKind(models.TextChoices):
    EMULATION = "emulation", _("Hội đồng Thi đua - Khen thưởng")
    INNOVATION = "innovation", _("Hội đồng Sáng kiến")
    AD_HOC = "ad_hoc", _("Hội đồng lâm thời")
    #: a unit's own emulation council (council.unit = the unit): votes on the awards the unit decides itself
    UNIT = "unit", _("Hội đồng Thi đua - Khen thưởng của đơn vị")


class CouncilLevel(models.TextChoices):
    """The level a council works at; an innovation council recognises a scope up to its own level (its values
    are those of the award and scope levels: grassroots < city)."""

    GRASSROOTS = "grassroots", _("Cơ sở")
    CITY = "city", _("Thành phố")


class Council(models.Model):
    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=CouncilKind.choices)
    level = models.CharField(
        _("cấp hội đồng"), max_length=12, choices=CouncilLevel.choices, default=CouncilLevel.CITY
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("cơ quan thường trực"), on_delete=models.PROTECT, related_name="councils"
    )

    class Meta:
        verbose_name = _("hội đồng")
        verbose_name_plural = _("hội đồng")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CouncilTerm(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("hội đồng"), on_delete=models.PROTECT, related_name="terms"
    )
    name = models.CharField(_("nhiệm kỳ"), max_length=120)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("nhiệm kỳ hội đồng")
        verbose_name_plural = _("nhiệm kỳ hội đồng")
        ordering = ["council", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="councilterm_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.council} ({self.name})"
