"""Load generation for the read benchmarks: reproducible, a valid chain that later transitions continue."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dossiers.models import Dossier
from workflows.audit import SYSTEM, ChainProblem, record, verify_chain
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_generated_load_is_a_valid_chain_that_later_events_continue(unit):
    call_command("generate_load", dossiers=40, events=450, units=5, seed=7, verbosity=0)
    assert Dossier.objects.count() == 40
    assert AuditEvent.objects.filter(subject_type__model="dossier").count() == 450
    with transaction.atomic():
        event = record(subject=unit, actor=SYSTEM, verb="after_load")
    assert event.sequence == AuditEvent.objects.count()
    assert not [item for item in verify_chain() if isinstance(item, ChainProblem)]


def test_generation_refuses_a_database_with_dossiers():
    call_command("generate_load", dossiers=5, events=10, units=2, verbosity=0)
    with pytest.raises(CommandError):
        call_command("generate_load", dossiers=5, events=10, units=2, verbosity=0)
