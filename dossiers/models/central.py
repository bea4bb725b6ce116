"""Before the council and on the way to the central level: the public notice of a nominee (công khai trước khi
họp hội đồng), the consultation of agencies (hiệp y, NĐ 98/2023 Điều 31) and the package forwarded to the
central level (hồ sơ trình Trung ương). Written only by dossiers.notice, dossiers.consultation and
dossiers.forwarding (audited services)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .dossier import Dossier, DossierNominee


class PublicNotice(models.Model):
    """A nominee line posted for public comment before its council: comments come in from the day after
    `starts_on` to `ends_on` (`days` working days); the line goes on a locked agenda only once it is over and
    every comment has the Board's answer (dossiers.notice)."""

    line = models.OneToOneField(
        DossierNominee, verbose_name=_("đối tượng"), on_delete=models.CASCADE, related_name="public_notice"
    )
    starts_on = models.DateField(_("ngày bắt đầu công khai"))
    ends_on = models.DateField(_("công khai đến hết ngày"))
    days = models.PositiveSmallIntegerField(_("số ngày làm việc công khai"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("công khai trước khi họp hội đồng")
        verbose_name_plural = _("công khai trước khi họp hội đồng")
        ordering = ["line"]

    def __str__(self) -> str:
        return f"{self.line} ({self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y})"


class ConsultationAgency(models.TextChoices):
    TAX = "tax", _("Cơ quan thuế")
    SOCIAL_INSURANCE = "social_insurance", _("Cơ quan bảo hiểm xã hội")
    ENVIRONMENT = "environment", _("Cơ quan tài nguyên và môi trường")
    LABOUR = "labour", _("Cơ quan lao động - thương binh và xã hội")
    PARTY_COMMITTEE = "party_committee", _("Cấp ủy Đảng")
    POLICE = "police", _("Cơ quan công an")


class ConsultationOutcome(models.TextChoices):
    PENDING = "pending", _("Chờ trả lời")
    AGREED = "agreed", _("Đồng ý")
    OBJECTED = "objected", _("Có ý kiến không đồng ý")
    NO_ANSWER = "no_answer", _("Không trả lời trong thời hạn")


class ConsultationRequest(models.Model):
    """One hiệp y request of the Board to one agency about a dossier's state-level nominees, with a deadline
    in working days; the agency's answer (or its silence past the deadline) is recorded by the Board. An
    objection names the nominees it is about; they are not forwarded unless the Board head overrides it,
    with a reason (dossiers.consultation)."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="consultations"
    )
    agency = models.CharField(_("cơ quan hiệp y"), max_length=20, choices=ConsultationAgency.choices)
    letter_reference = models.CharField(_("số công văn đề nghị"), max_length=60, blank=True)
    sent_on = models.DateField(_("ngày gửi"))
    working_days = models.PositiveSmallIntegerField(_("thời hạn trả lời (ngày làm việc)"))
    deadline = models.DateField(_("hạn trả lời"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        _("kết quả"), max_length=16, choices=ConsultationOutcome.choices, default=ConsultationOutcome.PENDING
    )
    answer_reference = models.CharField(_("số văn bản trả lời"), max_length=60, blank=True)
    answered_on = models.DateField(_("ngày ghi nhận"), null=True, blank=True)
    reason = models.TextField(_("lý do không đồng ý"), max_length=2000, blank=True)
    objected_lines = models.ManyToManyField(
        DossierNominee, verbose_name=_("đối tượng bị phản đối"), blank=True, related_name="objections"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField(_("lý do vẫn trình"), max_length=2000, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đề nghị hiệp y")
        verbose_name_plural = _("đề nghị hiệp y")
        ordering = ["dossier", "sent_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "agency"], name="consultation_agency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_agency_display()} · {self.dossier_id}"


class ConsultationWaiver(models.Model):
    """The Board head's decision that one agency the rule version requires need not be consulted about this
    dossier (e.g. the nominee is not an enterprise: no environment opinion), with the reason; it counts as
    settled for forwarding (dossiers.consultation). Once per agency and dossier, never alongside a request."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="consultation_waivers"
    )
    agency = models.CharField(_("cơ quan hiệp y"), max_length=20, choices=ConsultationAgency.choices)
    reason = models.TextField(_("lý do không cần hiệp y"), max_length=2000)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField(_("thời điểm quyết định"), auto_now_add=True)

    class Meta:
        verbose_name = _("miễn hiệp y")
        verbose_name_plural = _("miễn hiệp y")
        ordering = ["dossier", "waived_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "agency"], name="consultation_waiver_agency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_agency_display()} · {self.dossier_id}"


class ForwardingPackage(models.Model):
    """The ZIP forwarded to the central level: the tờ trình, the list of nominees, the council minutes and every
    current document, with a manifest of SHA-256 sums (dossiers.forwarding). Its lines are the nominees it
    forwarded; their central outcome is recorded on each of them."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="forwarding_package"
    )
    file = models.FileField(_("tệp"), upload_to="forwarded/%Y/")
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    manifest = models.JSONField(_("danh mục tệp"), default=list)
    lines = models.ManyToManyField(DossierNominee, related_name="forwarding_packages")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ trình Trung ương")
        verbose_name_plural = _("hồ sơ trình Trung ương")

    def __str__(self) -> str:
        return f"{self.dossier} · {self.sha256[:12]}"
