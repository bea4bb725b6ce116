"""Engine data: roles held by people (memberships, delegations), the audit chain and notifications."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.fsm import FSMField


class Role(models.TextChoices):
    UNIT_OFFICER = "unit_officer", _("Cán bộ TĐKT đơn vị")
    UNIT_HEAD = "unit_head", _("Thủ trưởng đơn vị")
    BOARD_OFFICER = "board_officer", _("Chuyên viên Ban TĐKT")
    BOARD_HEAD = "board_head", _("Trưởng Ban TĐKT")
    COUNCIL_MEMBER = "council_member", _("Thành viên hội đồng")
    COUNCIL_STANDING_MEMBER = "council_standing_member", _("Thành viên thường trực hội đồng")
    COUNCIL_SECRETARY = "council_secretary", _("Thư ký hội đồng")
    COUNCIL_VICE_CHAIR = "council_vice_chair", _("Phó Chủ tịch hội đồng")
    COUNCIL_CHAIR = "council_chair", _("Chủ tịch hội đồng")
    CITY_CHAIRMAN = "city_chairman", _("Chủ tịch UBND thành phố")
    AUDITOR = "auditor", _("Kiểm tra viên (chỉ xem)")


#: Roles whose scope is a council term; the others are held for a unit or the whole city.
COUNCIL_ROLES = frozenset(
    {
        Role.COUNCIL_MEMBER,
        Role.COUNCIL_STANDING_MEMBER,
        Role.COUNCIL_SECRETARY,
        Role.COUNCIL_VICE_CHAIR,
        Role.COUNCIL_CHAIR,
    }
)
UNIT_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD})


class ScopedGrant(models.Model):
    """What a membership and a delegation share: a role, a scope and validity dates."""

    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    council_term = models.ForeignKey(
        "organisations.CouncilTerm",
        verbose_name=_("nhiệm kỳ hội đồng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def scope_label(self) -> str:
        if self.unit_id:
            return str(self.unit)
        if self.council_term_id:
            return str(self.council_term)
        return str(_("Toàn thành phố"))

    def is_active_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _scope_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            name=f"{prefix}_valid_to_after_from",
        ),
        models.CheckConstraint(
            condition=~(Q(unit__isnull=False) & Q(council_term__isnull=False)),
            name=f"{prefix}_one_scope",
        ),
    ]


#: Roles a grant of which takes effect only when a second person approves it (city-wide and council roles).
APPROVAL_ROLES = frozenset(set(Role) - UNIT_ROLES)


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Chờ phê duyệt")
    ACTIVE = "active", _("Đang hiệu lực")
    ENDED = "ended", _("Đã kết thúc")
    REJECTED = "rejected", _("Bị từ chối")


class Membership(ScopedGrant):
    """A user holds a role for a scope (a unit, a council term, or the city when both are empty).

    It gives power only once approved (`approved_at`) and until ended (`ended_at`, effective at once).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đề xuất"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phê duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("phê duyệt lúc"), null=True, blank=True)
    ended_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("vai trò được giao")
        verbose_name_plural = _("vai trò được giao")
        ordering = ["user", "role"]
        constraints = [
            *_scope_constraints("membership"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("user")),
                name="membership_not_self_approved",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(proposed_by__isnull=True)
                | ~Q(approved_by=models.F("proposed_by")),
                name="membership_two_people",
            ),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def status(self) -> str:
        if self.approved_at is None:
            return MembershipStatus.REJECTED if self.ended_at else MembershipStatus.PENDING
        return MembershipStatus.ENDED if self.ended_at else MembershipStatus.ACTIVE

    def get_status_display(self) -> str:
        return MembershipStatus(self.status).label

    def is_active_on(self, day) -> bool:
        """As workflows.roles.active_q: approved, within its dates, and before the day it was ended."""
        if self.approved_at is None or not super().is_active_on(day):
            return False
        return self.ended_at is None or day < self.valid_to


class Delegation(ScopedGrant):
    """A role holder lets another user act in their stead for a date range (e.g. a vice chair standing in)."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ủy quyền"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người được ủy quyền"),
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    reason = models.CharField(_("lý do"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ủy quyền")
        verbose_name_plural = _("ủy quyền")
        constraints = [
            *_scope_constraints("delegation"),
            models.CheckConstraint(condition=~Q(delegator=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} · {self.get_role_display()}"


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit log. Written only by workflows.audit.record()."""

    #: the chain the event belongs to (one of AuditChainHead's rows; 1 is the first and, with AUDIT_CHAINS=1, only
    #: chain) and its number in that chain: events are linked by prev_hash within their chain
    chain = models.PositiveSmallIntegerField(_("chuỗi"), default=1, db_default=1)
    sequence = models.BigIntegerField(_("số thứ tự"))
    # Indexes cost every append: the subject index (type, id, sequence) covers lookups by type, and the
    # chain is keyed by its unique sequence (verify_audit checks the hashes; nothing looks events up by
    # hash or by "on behalf of").
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    subject_id = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("vai trò"), max_length=32, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("thay mặt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    verb = models.CharField(_("hành động"), max_length=64)
    source_state = models.CharField(_("từ trạng thái"), max_length=64, blank=True)
    target_state = models.CharField(_("sang trạng thái"), max_length=64, blank=True)
    comment = models.TextField(_("ghi chú, lý do"), blank=True)
    data = models.JSONField(_("dữ liệu thay đổi"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("sự kiện kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        # the log's order: ids are taken in insertion order, so within a chain (appended under its head's lock)
        # and for one subject (written under the subject's row lock) they follow the commits
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_event_chain_sequence")
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id", "id"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"#{self.position} {self.verb} {self.subject_type_id}:{self.subject_id}"

    @property
    def position(self) -> str:
        """The event's place as people read it: "123" in the first chain, "3·123" in chain 3."""
        return str(self.sequence) if self.chain == 1 else f"{self.chain}·{self.sequence}"


class AuditChainHead(models.Model):
    """One row per chain (its id is the chain's number): the chain's last sequence and hash. Updating it locks
    the chain for an append, so that chain's writers queue and it stays linear; writers on other chains do not
    wait (AUDIT_CHAINS, workflows.audit.chain_for_connection). A tampered head cannot hide anything: a wrong
    sequence collides with the unique (chain, sequence), a wrong hash breaks the next event's link."""

    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    #: the hash before the last append (set by the append's own UPDATE, which returns it as the event's link)
    prev_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id__gte=1), name="audit_chain_head_numbered")
        ]

    def __str__(self) -> str:
        return f"{self.pk}: #{self.sequence} {self.hash[:12]}"


class AuditSubjectLabel(models.Model):
    """The label under which the events of a content type were hashed, up to a sequence number.

    An event's hash covers its subject as "app_label.model:pk" (workflows.audit.event_payload). When a model
    moves to another app its content type is relabelled (the annual plan left workflows/ for the app `plan`:
    "workflows.activity" became "plan.activity"), but the events recorded before the move were hashed with
    the old label: verify_chain hashes the events of `content_type` up to `until_sequence` with `label`, and
    later ones with the type's current label. Written by the migration that relabels the type, in the same
    transaction, under the chain head's lock; nothing else writes it.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=201)
    chain = models.PositiveSmallIntegerField(default=1, db_default=1)
    until_sequence = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "chain", "until_sequence"], name="audit_subject_label_once_per_chain"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ≤ #{self.until_sequence}"


class AuditCheckpoint(models.Model):
    """A signed statement "the audit chain reached event #sequence with this hash at signed_at".

    Written only by workflows.checkpoints.audit_checkpoint_sign(), append-only like the events (triggers),
    and copied as a file to AUDIT_CHECKPOINT_DIR outside the database. The Ed25519 private key lives in the
    environment, never here: someone who rewrites, truncates or wipes the events with database access
    cannot forge a checkpoint, and verify_audit checks every checkpoint against the events.
    """

    #: the first chain's head (sequence, hash); the other chains' heads are in `heads`
    sequence = models.BigIntegerField(_("đến sự kiện số"))
    hash = models.CharField(_("mã băm của sự kiện"), max_length=64)
    #: {"<chain>": [sequence, hash]} for every chain but the first, signed with it (empty with one chain)
    heads = models.JSONField(_("các chuỗi khác"), default=dict, blank=True)
    signed_at = models.DateTimeField(_("thời điểm ký"))
    #: the first 16 hex digits of SHA-256 over the raw public key (which key signed; the key itself is
    #: configured in the environment, never trusted from the database)
    key_id = models.CharField(_("mã khóa"), max_length=16)
    signature = models.CharField(_("chữ ký Ed25519"), max_length=88)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("điểm kiểm chứng nhật ký")
        verbose_name_plural = _("điểm kiểm chứng nhật ký")
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["signed_at"], name="workflows_checkpoint_signed")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]} @ {self.signed_at:%d/%m/%Y %H:%M}"


class OutboxCursor(models.Model):
    """How far a consumer of the audit log (the notifier) has read: the audit log is its outbox. One position
    per chain ({"<chain>": last sequence read}): each chain is in commit order, the chains between them are not."""

    name = models.CharField(max_length=50, unique=True)
    positions = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.name} @ {self.positions}"


class MailStatus(models.TextChoices):
    NONE = "none", _("Không có địa chỉ thư")
    PENDING = "pending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")


class Notification(models.Model):
    """An in-app message to one user, created after a transition commits, and mailed by its own task
    (workflows.tasks.send_notification_mail) once the transaction that created it has committed."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(AuditEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(
        max_length=200, help_text="Idempotency key: one notification per key and recipient."
    )
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # delivery by e-mail: what is sent (fixed when the notification is made) and how it went
    mail_subject = models.CharField(max_length=200, blank=True)
    mail_body = models.TextField(blank=True)
    mail_status = models.CharField(max_length=8, choices=MailStatus.choices, default=MailStatus.NONE)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["mail_status", "-created_at"], name="notification_mail_status")]

    def __str__(self) -> str:
        return self.text


class StateField(FSMField):
    """The state column of a model with a lifecycle: protected, so only transitions (through the engine) write it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("protected", True)
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def __set__(self, instance, value):
        if instance.__dict__.get("_reloading_state"):
            instance.__dict__[self.attname] = value
            return
        super().__set__(instance, value)


class StatefulModel(models.Model):
    """Base for models with a StateField; lets refresh_from_db() re-read the protected state."""

    class Meta:
        abstract = True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        self.__dict__["_reloading_state"] = True
        try:
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        finally:
            self.__dict__.pop("_reloading_state", None)
