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

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CouncilKind(models.TextChoices):
    EMULATION = "emulation", _("Hội đồng Thi đua - Khen thưởng")
    INNOVATION = "innovation", _("Hội đồng Sáng kiến")
    AD_HOC = "ad_hoc", _("Hội đồng lâm thời")


class Council(models.Model):
    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=CouncilKind.choices)
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
