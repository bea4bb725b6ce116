"""The demo data: seed_demo opens one innovation round with its reviewer pool and one initiative, idempotently."""

import pytest
from django.core.management import call_command

from demo.management.commands.seed_innovation import DEMO_TITLE
from innovation.models import Round, RoundState
from workflows.audit import history_for

pytestmark = pytest.mark.django_db


def test_seed_demo_opens_one_round_with_reviewers_and_an_initiative():
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    round_ = Round.objects.get(title=DEMO_TITLE)
    assert round_.state == RoundState.OPEN and round_.council_term.council.kind == "innovation"
    assert sorted(round_.reviewers.values_list("username", flat=True)) == [
        f"innovation.member{i}" for i in range(1, 7)
    ]
    [initiative] = round_.initiatives.all()
    assert initiative.unit.code == "ninh-kieu" and initiative.state == "submitted"
    assert [e.verb for e in history_for(initiative)] == ["submit"]
    assert sum(a.share for a in initiative.authors.all()) == 100
