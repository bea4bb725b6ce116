"""Every audit verb the code records has a Vietnamese label on the history pages (issue 14 item 9): a
transition's own label, or one an app registered in workflows.history; no registered data key can show a
ballot choice."""

import re
from pathlib import Path

from django.apps import apps

from workflows import history
from workflows.lifecycle import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
APPS = ("workflows", "councils", "dossiers", "innovation", "plan", "emulation", "organisations")
VERB = re.compile(r'verb="([a-z_]+)"(?: if [^\n]*? else "([a-z_]+)")?')


def _recorded_verbs():
    """(app label, verb) for every literal verb an app passes to audit.record."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in VERB.finditer(path.read_text()):
                found |= {(app, verb) for verb in match.groups() if verb}
    return found


def test_every_recorded_verb_has_a_label():
    transitions = {name for lifecycle in REGISTRY.values() for name in lifecycle.transition_methods()}
    registered = {verb for _app, verb in history.registered_verbs()}
    verbs = _recorded_verbs()
    assert len(verbs) > 40
    missing = sorted(f"{app}:{verb}" for app, verb in verbs if verb not in registered | transitions)
    assert not missing, missing


def test_a_transition_shows_its_label_a_verb_its_registered_one_an_unknown_verb_its_code():
    dossier = apps.get_model("dossiers", "Dossier")
    assert history.verb_label(dossier, "submit") == "Trình hồ sơ"
    assert history.verb_label(dossier, "document_upload") == "Tải lên tài liệu"
    assert history.verb_label(apps.get_model("councils", "Session"), "attendance_roster_recorded")
    assert history.verb_label(apps.get_model("workflows", "Membership"), "membership_approved") == (
        "Duyệt giao vai trò"
    )
    assert history.verb_label(dossier, "a_verb_no_code_records") == "a_verb_no_code_records"
    assert history.state_label(dossier, "draft") == "Dự thảo"
    assert history.state_label(dossier, "no_such_state") == "no_such_state"
    assert history.field_label(dossier, "state") == "trạng thái"
    assert history.field_label(dossier, "no_field") == "no_field"


def test_no_registered_data_key_can_show_a_ballot_choice():
    choice_values = {"agree", "disagree", "abstain"}
    for (_app, key), detail in history._DETAILS.items():
        assert key not in {"choice", "choices", "sealed", "ballot", "ballots"}, key
        options = detail.choices
        if options is not None:
            values = set(dict(options.choices) if isinstance(options, type) else options)
            assert not values & choice_values, key
