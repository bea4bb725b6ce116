"""Load generation for the read benchmarks: reproducible, a valid chain that later transitions continue."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dossiers.models import Dossier
from workflows.audit import SYSTEM, ChainProblem, record, use_chain, verify_chain
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_generated_load_is_a_valid_chain_that_later_events_continue(unit):
    call_command("generate_load", dossiers=40, events=450, units=5, seed=7, verbosity=0)
    assert Dossier.objects.count() == 40
    assert AuditEvent.objects.filter(subject_type__model="dossier").count() == 450
    with transaction.atomic(), use_chain(1):  # the load is in the first chain; a writer there continues it
        event = record(subject=unit, actor=SYSTEM, verb="after_load")
    assert event.chain == 1 and event.sequence == AuditEvent.objects.filter(chain=1).count()
    assert not [item for item in verify_chain() if isinstance(item, ChainProblem)]


def test_generation_refuses_a_database_with_dossiers():
    call_command("generate_load", dossiers=5, events=10, units=2, verbosity=0)
    with pytest.raises(CommandError):
        call_command("generate_load", dossiers=5, events=10, units=2, verbosity=0)


def test_generated_load_goes_to_the_first_chain_beside_the_others(unit):
    from django.test import override_settings

    with override_settings(AUDIT_CHAINS=4):
        with transaction.atomic(), use_chain(3):
            before = record(subject=unit, actor=SYSTEM, verb="before_load")
        call_command("generate_load", dossiers=10, events=60, units=2, seed=3, verbosity=0)
        with transaction.atomic(), use_chain(2):
            after = record(subject=unit, actor=SYSTEM, verb="after_load")
    loaded = AuditEvent.objects.filter(subject_type__model="dossier")
    assert loaded.count() == 60 and set(loaded.values_list("chain", flat=True)) == {1}
    assert AuditEvent.objects.filter(chain=3).values_list("pk", flat=True).get() == before.pk
    assert (after.chain, after.sequence) == (2, 1)
    assert not [item for item in verify_chain() if isinstance(item, ChainProblem)]
