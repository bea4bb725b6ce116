"""Peer 1: bare viewflow.fsm + the ORM + one audit row, as a project without the engine would write it."""

from django.db import transaction
from viewflow.fsm import State

from .models import PeerAuditRow, PeerDocument


class PeerDocumentFlow:
    state = State([("draft", "draft"), ("submitted", "submitted")], default="draft")

    def __init__(self, document):
        self.document = document

    @state.setter()
    def _set_state(self, value):
        self.document.state = value

    @state.getter()
    def _get_state(self):
        return self.document.state

    @state.transition(source="draft", target="submitted")
    def submit(self):
        pass


def submit(pk: int, user) -> None:
    with transaction.atomic():
        document = PeerDocument.objects.select_for_update().get(pk=pk)
        flow = PeerDocumentFlow(document)
        flow.submit()
        document.save(update_fields=["state"])
        PeerAuditRow.objects.create(
            subject_id=str(pk),
            actor_id=user.pk,
            verb="submit",
            source_state="draft",
            target_state=document.state,
            data={"changes": {"state": ["draft", document.state]}},
        )
