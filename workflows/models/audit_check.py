"""One run of the auditor's check of the audit log (workflows/audit_check.py), done by a Celery task in batches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .core import AuditCheckpoint


class AuditCheckMode(models.TextChoices):
    INCREMENTAL = "incremental", _("Phần mới")
    FULL = "full", _("Toàn bộ")


class AuditCheckState(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang kiểm tra")
    PASSED = "passed", _("Toàn vẹn")
    FAILED = "failed", _("Không toàn vẹn")


class AuditCheckRun(models.Model):
    """Who asked for a check of the audit chain, how far it has got, and what it found.

    Incremental runs start after the latest signed checkpoint (`resumed_from`, its signature and its events'
    hashes checked first), each chain after its position there; full runs walk every chain from event #1 and
    check every checkpoint and checkpoint file, as `manage.py verify_audit` does. One run at a time: `active` is True while a run is queued or
    running and NULL once it has finished, and it is unique.
    """

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Trống: lần kiểm tra định kỳ hằng ngày."),
    )
    mode = models.CharField(_("phạm vi"), max_length=16, choices=AuditCheckMode.choices)
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=AuditCheckState.choices, default=AuditCheckState.QUEUED
    )
    active = models.BooleanField(null=True, default=True, unique=True, editable=False)
    resumed_from = models.ForeignKey(
        AuditCheckpoint,
        verbose_name=_("tiếp tục từ điểm kiểm chứng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_sequence = models.BigIntegerField(_("từ sự kiện số"), null=True, blank=True)
    to_sequence = models.BigIntegerField(_("đến sự kiện số"), null=True, blank=True)
    checked = models.BigIntegerField(_("số sự kiện đã kiểm tra"), default=0)
    total = models.BigIntegerField(_("số sự kiện cần kiểm tra"), default=0)
    checkpoints_checked = models.IntegerField(_("số điểm kiểm chứng đã kiểm tra"), default=0)
    #: which events of each chain the run reads, {"<chain>": [first, last]} (from_sequence and to_sequence are
    #: the first chain's, as before there were several chains)
    chain_ranges = models.JSONField(_("các đoạn cần kiểm tra theo chuỗi"), default=dict, blank=True)
    failure_sequence = models.BigIntegerField(_("lỗi đầu tiên tại sự kiện số"), null=True, blank=True)
    #: the chain of failure_sequence (1 for the first chain and for a problem of no chain in particular)
    failure_chain = models.PositiveSmallIntegerField(_("lỗi đầu tiên trong chuỗi"), null=True, blank=True)
    failure_reason = models.CharField(_("lỗi đầu tiên"), max_length=500, blank=True)
    #: every problem and warning found, as {"code": …, "params": {…}} (workflows.checkpoints.LogProblem)
    problems = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lần kiểm tra nhật ký")
        verbose_name_plural = _("các lần kiểm tra nhật ký")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} #{self.pk} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == AuditCheckState.PASSED or (self.finished_at and not self.total):
            return 100
        if not self.total:
            return 0
        return min(100, int(self.checked * 100 / self.total))

    @property
    def failure_position(self) -> str:
        """The first failure's event as people read it: "15" in chain 1, "3·15" in chain 3 ("" without one)."""
        if self.failure_sequence is None:
            return ""
        if (self.failure_chain or 1) == 1:
            return str(self.failure_sequence)
        return f"{self.failure_chain}·{self.failure_sequence}"

    @property
    def chain_range_list(self) -> list[tuple[int, int, int]]:
        """(chain, first, last) of every chain the run reads, by chain number."""
        return sorted((int(chain), int(a), int(b)) for chain, (a, b) in (self.chain_ranges or {}).items())

    @property
    def several_chains(self) -> bool:
        """The run reads events of a chain other than the first (the page lists each chain's range)."""
        return any(chain != 1 for chain, _a, _b in self.chain_range_list)

    @property
    def finished(self) -> bool:
        return self.state in (AuditCheckState.PASSED, AuditCheckState.FAILED)
