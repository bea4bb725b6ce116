"""The peers' tables: a document with a viewflow.fsm state and a plain audit row; a viewflow.workflow process."""

from django.db import models
from viewflow.workflow.models import Process


class PeerDocument(models.Model):
    title = models.CharField(max_length=100)
    state = models.CharField(max_length=32, default="draft")

    def __str__(self):
        return self.title


class PeerAuditRow(models.Model):
    """What a hand-written audit trail would store per transition (no hash chain: the peer does less)."""

    subject_id = models.CharField(max_length=64)
    actor_id = models.IntegerField(null=True)
    verb = models.CharField(max_length=64)
    source_state = models.CharField(max_length=32)
    target_state = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.subject_id} {self.verb}"


class PeerProcess(Process):
    class Meta:
        proxy = True
