"""Council review sessions: rules, sessions, agenda items, attendance, recusals and secret ballots.

Secrecy: a BallotReceipt says "member M has voted on item I" (it stops a second ballot and counts turnout);
a Ballot holds only (item, sealed choice) under a random UUID key, with no member, no time and no sequential
id. The choice is encrypted (councils/sealing.py) under a key that never lives in the database, so the row a
member's transaction writes next to their receipt is unreadable to whoever holds the database. When the item is
counted, its sealed ballots are opened, counted, the counts written on the item, and the ballots deleted in that
same transaction: no per-ballot plaintext is ever written (see docs/security.md, "Secret ballots").
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.models import StateField, StatefulModel

from .registry import ThresholdBase


class CouncilRule(models.Model):
    """How a council meets and votes (quorum, abstention, written votes): data the Board edits, not constants.

    DOMAIN.md §3: valid with ≥ 2/3 of members present by default; absent members may vote in writing.
    A session copies its council's rule when it is created, so later edits never change a past session.
    """

    council = models.OneToOneField(
        "organisations.Council", verbose_name=_("hội đồng"), on_delete=models.CASCADE, related_name="rule"
    )
    quorum_numerator = models.PositiveSmallIntegerField(_("tỷ lệ có mặt tối thiểu: tử số"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(
        _("tỷ lệ có mặt tối thiểu: mẫu số"), default=3, validators=[MinValueValidator(1)]
    )
    abstain_allowed = models.BooleanField(_("cho phép phiếu không biểu quyết"), default=False)
    written_votes_allowed = models.BooleanField(
        _("thành viên vắng mặt được gửi phiếu bằng văn bản"), default=True
    )
    secretary_votes = models.BooleanField(
        _("thư ký là thành viên bỏ phiếu"),
        default=False,
        help_text=_("Bật khi thư ký đồng thời là ủy viên hội đồng."),
    )
    document_place = models.CharField(_("địa danh ghi trên văn bản"), max_length=80, default="Cần Thơ")

    class Meta:
        verbose_name = _("quy chế biểu quyết")
        verbose_name_plural = _("quy chế biểu quyết")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1), name="councilrule_denominator_positive"
            ),
            models.CheckConstraint(
                condition=Q(quorum_numerator__lte=models.F("quorum_denominator")),
                name="councilrule_quorum_at_most_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council}: {self.quorum_numerator}/{self.quorum_denominator}"


class SessionState(models.TextChoices):
    PLANNED = "planned", _("Dự kiến")
    CONVENED = "convened", _("Đã triệu tập")
    AGENDA_LOCKED = "agenda_locked", _("Đã chốt chương trình")
    OPENED = "opened", _("Đã khai mạc")
    VOTING = "voting", _("Đang bỏ phiếu")
    VOTING_CLOSED = "voting_closed", _("Đã kết thúc bỏ phiếu")
    MINUTES_DRAFTED = "minutes_drafted", _("Đã lập biên bản")
    MINUTES_SIGNED = "minutes_signed", _("Biên bản đã ký")
    RESOLUTION_ISSUED = "resolution_issued", _("Đã ban hành kết quả")
    POSTPONED = "postponed", _("Tạm hoãn")
    CANCELLED = "cancelled", _("Đã hủy")


class VotingMode(models.TextChoices):
    ALL_ITEMS = "all_items", _("Tất cả các mục trên một phiếu")
    ITEM_BY_ITEM = "item_by_item", _("Lần lượt từng mục")


class Session(StatefulModel):
    """One meeting (phiên họp) of a council term."""

    council_term = models.ForeignKey(
        "organisations.CouncilTerm",
        verbose_name=_("nhiệm kỳ hội đồng"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField(_("tên phiên họp"), max_length=300)
    planned_on = models.DateField(_("ngày họp"))
    place = models.CharField(_("địa điểm"), max_length=255, blank=True)
    online = models.BooleanField(_("họp trực tuyến"), default=False)
    state = StateField(_("trạng thái"), choices=SessionState.choices, default=SessionState.PLANNED)
    voting_mode = models.CharField(
        _("cách bỏ phiếu"), max_length=20, choices=VotingMode.choices, default=VotingMode.ALL_ITEMS
    )
    # The council's rule, copied at creation.
    quorum_numerator = models.PositiveSmallIntegerField(_("tỷ lệ có mặt: tử số"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("tỷ lệ có mặt: mẫu số"), default=3)
    abstain_allowed = models.BooleanField(_("cho phép phiếu không biểu quyết"), default=False)
    written_votes_allowed = models.BooleanField(_("cho phép phiếu bằng văn bản"), default=True)
    secretary_votes = models.BooleanField(_("thư ký bỏ phiếu"), default=False)
    # Recorded when the chair opens the meeting.
    member_count = models.PositiveIntegerField(_("số thành viên"), null=True, blank=True)
    present_count = models.PositiveIntegerField(_("số thành viên có mặt"), null=True, blank=True)
    # Minutes and resolution.
    minutes_number = models.CharField(_("số biên bản"), max_length=60, blank=True)
    minutes_text = models.TextField(_("nội dung kết luận của biên bản"), blank=True)
    minutes_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký biên bản"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes_signed_on = models.DateField(_("ngày ký biên bản"), null=True, blank=True)
    resolution_number = models.CharField(_("số văn bản kết quả"), max_length=60, blank=True)
    resolution_issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    cancel_reason = models.TextField(_("lý do hủy"), blank=True)
    # The plan activity (or anything else) that started this session.
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")

    class Meta:
        verbose_name = _("phiên họp hội đồng")
        verbose_name_plural = _("phiên họp hội đồng")
        ordering = ["-planned_on", "-pk"]
        # the object grant of an outside expert invited to one session (councils.policies.EXPERT_GRANT)
        permissions = [("attend_session", _("Dự phiên họp với tư cách chuyên gia được mời"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1), name="session_denominator_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("councils:session_detail", args=[self.pk])


class ItemState(models.TextChoices):
    PENDING = "pending", _("Chờ biểu quyết")
    TALLY_ENTERED = "tally_entered", _("Đã nhập kết quả kiểm phiếu giấy, chờ xác nhận")
    COUNTED = "counted", _("Đã kiểm phiếu")


class AgendaItem(StatefulModel):
    """One matter the council votes on; its subject (a dossier nominee, an initiative…) is any model."""

    session = models.ForeignKey(
        Session, verbose_name=_("phiên họp"), on_delete=models.PROTECT, related_name="items"
    )
    order = models.PositiveIntegerField(_("thứ tự"))
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(_("nội dung biểu quyết"), max_length=500)
    summary = models.TextField(_("tóm tắt"), blank=True)
    proposing_unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("đơn vị đề nghị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nominee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người được đề nghị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = StateField(_("trạng thái"), choices=ItemState.choices, default=ItemState.PENDING)
    # The pass rule (councils.registry.Threshold).
    threshold_percent = models.DecimalField(_("tỷ lệ đồng ý (%)"), max_digits=6, decimal_places=3)
    threshold_numerator = models.PositiveSmallIntegerField(_("tỷ lệ đúng: tử số"), null=True, blank=True)
    threshold_denominator = models.PositiveSmallIntegerField(_("tỷ lệ đúng: mẫu số"), null=True, blank=True)
    threshold_base = models.CharField(
        _("tính trên"), max_length=20, choices=ThresholdBase.choices, default=ThresholdBase.TOTAL_MEMBERS
    )
    threshold_strict = models.BooleanField(_("phải vượt (>) tỷ lệ"), default=False)
    written_votes_allowed = models.BooleanField(_("nhận phiếu bằng văn bản"), default=True)
    # Paper tally (entered by the secretary, confirmed by a second person).
    tally_agree = models.PositiveIntegerField(null=True, blank=True)
    tally_disagree = models.PositiveIntegerField(null=True, blank=True)
    tally_abstain = models.PositiveIntegerField(null=True, blank=True)
    tally_invalid = models.PositiveIntegerField(null=True, blank=True)
    tally_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tally_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Results, computed when the item is counted.
    agree_count = models.PositiveIntegerField(_("đồng ý"), null=True, blank=True)
    disagree_count = models.PositiveIntegerField(_("không đồng ý"), null=True, blank=True)
    abstain_count = models.PositiveIntegerField(_("không biểu quyết"), null=True, blank=True)
    invalid_count = models.PositiveIntegerField(_("phiếu không hợp lệ"), null=True, blank=True)
    base_count = models.PositiveIntegerField(_("cơ sở tính tỷ lệ"), null=True, blank=True)
    passed = models.BooleanField(_("đạt"), null=True, blank=True)
    result_explanation = models.CharField(_("cách tính"), max_length=300, blank=True)
    paper_tally = models.BooleanField(_("kiểm phiếu giấy"), default=False)
    # the legal basis of the rules the subject is judged by, from its terms (councils.registry.AgendaTerms)
    legal_basis = models.JSONField(_("căn cứ pháp lý"), default=list, blank=True)

    class Meta:
        verbose_name = _("mục biểu quyết")
        verbose_name_plural = _("mục biểu quyết")
        ordering = ["session", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_percent__gte=0) & Q(threshold_percent__lte=100),
                name="agendaitem_percent_range",
            ),
            models.CheckConstraint(
                condition=(Q(threshold_numerator__isnull=True) & Q(threshold_denominator__isnull=True))
                | (
                    Q(threshold_denominator__gte=1)
                    & Q(threshold_numerator__lte=models.F("threshold_denominator"))
                ),
                name="agendaitem_ratio_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("councils:session_detail", args=[self.session_id]) + f"#muc-{self.pk}"

    @property
    def threshold_ratio(self) -> tuple[int, int] | None:
        if self.threshold_numerator is not None and self.threshold_denominator:
            return (self.threshold_numerator, self.threshold_denominator)
        return None

    def threshold_percent_normalised(self) -> Decimal:
        return self.threshold_percent.normalize()


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Có mặt")
    ABSENT = "absent", _("Vắng mặt")
    ABSENT_WRITTEN = "absent_written", _("Vắng mặt, gửi phiếu bằng văn bản")


def written_vote_path(instance, filename: str) -> str:
    return f"councils/written-votes/{instance.session_id}/{uuid.uuid4().hex}-{filename[-80:]}"


class Attendance(models.Model):
    """Whether a member attended a session (recorded by the secretary)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("thành viên"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("tình trạng"), max_length=20, choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="attendance_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"


class RecusalReason(models.TextChoices):
    PROPOSING_UNIT = "proposing_unit", _("Thuộc đơn vị đề nghị")
    NOMINEE = "nominee", _("Là người được đề nghị")
    DECLARED = "declared", _("Tự khai có xung đột lợi ích")


class Recusal(models.Model):
    """A member who does not vote on (nor see the ballot sheet of) one item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="recusals")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("lý do"), max_length=20, choices=RecusalReason.choices)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("không tham gia biểu quyết")
        verbose_name_plural = _("không tham gia biểu quyết")
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="recusal_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_reason_display()}"


class BallotReceipt(models.Model):
    """ "Member M has voted on item I": no choice, no time; one per member and item (enforced by the database)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="receipts")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written = models.BooleanField(_("phiếu bằng văn bản"), default=False)

    class Meta:
        verbose_name = _("xác nhận đã bỏ phiếu")
        verbose_name_plural = _("xác nhận đã bỏ phiếu")
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="ballot_receipt_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.item_id}"


class Choice(models.TextChoices):
    AGREE = "agree", _("Đồng ý")
    DISAGREE = "disagree", _("Không đồng ý")
    ABSTAIN = "abstain", _("Không biểu quyết")


class Ballot(models.Model):
    """One secret ballot while its item is open: the item and the choice sealed under the ballot key (random
    nonce, the item as associated data, a fixed length). A random key, no member, no time. Deleted when counted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="ballots")
    sealed = models.BinaryField()

    class Meta:
        verbose_name = _("phiếu bầu")
        verbose_name_plural = _("phiếu bầu")
        # No ordering: the default order must not follow anything.

    def __str__(self) -> str:
        return str(_("Phiếu bầu kín"))


class WrittenVoteStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xác nhận")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    REJECTED = "rejected", _("Đã trả lại")


class WrittenVote(models.Model):
    """An absent member's signed written vote (DOMAIN.md §3), recorded by the secretary with the signed PDF and
    counted only once a second person confirms it. While it waits, its choices are sealed (councils/sealing.py);
    on confirmation they become receipts and sealed ballots like any other, and are erased from this row."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="written_votes")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("thành viên"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=WrittenVoteStatus.choices, default=WrittenVoteStatus.PENDING
    )
    item_ids = models.JSONField(_("các mục có phiếu"), default=list)
    sealed_choices = models.BinaryField(null=True, blank=True)
    document = models.FileField(_("văn bản gửi phiếu (PDF có chữ ký)"), upload_to=written_vote_path)
    document_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reject_reason = models.CharField(_("lý do trả lại"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("phiếu bằng văn bản")
        verbose_name_plural = _("phiếu bằng văn bản")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="written_vote_once_per_member",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("recorded_by")),
                name="written_vote_decided_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"
