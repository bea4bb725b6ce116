"""The year's division of units into emulation clusters and blocks, with each one's head and deputy units."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.models import StateField, StatefulModel


class DivisionState(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ANNOUNCED = "announced", _("Đã thông báo")


class Division(StatefulModel):
    """Thông báo phân chia Cụm, Khối thi đua và chuẩn y Trưởng, Phó các Cụm, Khối of one year (plan item 8)."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    activity = models.ForeignKey(
        "plan.Activity",
        verbose_name=_("hoạt động kế hoạch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emulation_divisions",
    )
    state = StateField(_("trạng thái"), choices=DivisionState.choices, default=DivisionState.DRAFT)
    document_number = models.CharField(_("số thông báo"), max_length=60, blank=True)
    announced_on = models.DateField(_("ngày thông báo"), null=True, blank=True)

    class Meta:
        verbose_name = _("phân chia cụm, khối thi đua")
        verbose_name_plural = _("phân chia cụm, khối thi đua")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(_("Phân chia Cụm, Khối thi đua năm %(year)s") % {"year": self.year})

    def get_absolute_url(self) -> str:
        return reverse("emulation:division", args=[self.year])


class GroupKind(models.TextChoices):
    CLUSTER = "cluster", _("Cụm thi đua")
    BLOCK = "block", _("Khối thi đua")


class EmulationGroup(models.Model):
    """One cluster or block of a year: its member units, the head (trưởng) and deputy (phó) units."""

    division = models.ForeignKey(
        Division, verbose_name=_("phân chia"), on_delete=models.CASCADE, related_name="groups"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    kind = models.CharField(_("loại"), max_length=16, choices=GroupKind.choices)
    name = models.CharField(_("tên"), max_length=200)
    members = models.ManyToManyField(
        "organisations.Unit", verbose_name=_("đơn vị thành viên"), related_name="emulation_groups"
    )
    head_unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("đơn vị Trưởng"), on_delete=models.PROTECT, related_name="+"
    )
    deputy_unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị Phó"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    overseers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("thành viên hội đồng phụ trách"),
        blank=True,
        related_name="overseen_emulation_groups",
    )

    class Meta:
        verbose_name = _("cụm, khối thi đua")
        verbose_name_plural = _("cụm, khối thi đua")
        ordering = ["year", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="emulation_group_name_once_per_year"),
            models.CheckConstraint(
                condition=~Q(head_unit=models.F("deputy_unit")), name="emulation_group_head_is_not_deputy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"
