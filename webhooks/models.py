"""Webhook subscriptions (a unit's own system, a provincial portal) and the log of each delivery."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    """A receiver of the audit events its owner may see, as signed JSON POSTs, in order, at least once.

    The owner is the account whose view of the system the subscriber gets: an event is delivered only if the
    owner may see its subject (workflows.policies.may_view_object), and its data only if they may read that
    subject's history. `positions` is the subscription's cursor in the audit log (its outbox): one position per
    chain of the log ({"<chain>": last sequence read}; workflows.audit.after_positions)."""

    name = models.CharField(_("tên"), max_length=120)
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    secret = models.CharField(_("khóa ký"), max_length=128, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        verbose_name=_("tài khoản chủ"),
    )
    subject_types = models.JSONField(
        _("loại đối tượng"),
        default=list,
        blank=True,
        help_text=_("Ví dụ dossiers.dossier; để trống: mọi đối tượng chủ tài khoản được xem."),
    )
    active = models.BooleanField(_("đang hoạt động"), default=True)
    positions = models.JSONField(default=dict, editable=False)
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đăng ký webhook")
        verbose_name_plural = _("đăng ký webhook")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def last_sequence(self) -> int:
        """The cursor in the first chain (what the single chain's cursor was; the API's deprecated field)."""
        return int((self.positions or {}).get("1", 0))

    @property
    def read_up_to(self) -> str:
        """The cursor as people read event positions: "120" with one chain, "120, 2·45, 3·17" with several."""
        shown = []
        for chain, sequence in sorted((int(c), int(n)) for c, n in (self.positions or {}).items()):
            shown.append(str(sequence) if chain == 1 else f"{chain}·{sequence}")
        return ", ".join(shown) or "0"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")


class Delivery(models.Model):
    """One event for one subscription: each attempt's outcome is kept (the delivery log). A subscription's
    deliveries are sent in the order of their events' ids: within a chain of the log that is its sequence, and
    for one subject (written under the subject's row lock) the order its events were committed in."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("workflows.AuditEvent", on_delete=models.PROTECT, related_name="+")
    #: the event's chain and its number in that chain (the event's place in the log, as sent in the headers)
    chain = models.PositiveSmallIntegerField(default=1)
    sequence = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subscription", "event"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhooks_delivery_once"),
        ]
        indexes = [models.Index(fields=["subscription", "status", "event"], name="webhooks_delivery_queue")]

    def __str__(self):
        return f"{self.subscription} #{self.position}"

    @property
    def position(self) -> str:
        """The event's place as people read it: "123" in the first chain, "3·123" in chain 3."""
        return str(self.sequence) if self.chain == 1 else f"{self.chain}·{self.sequence}"
