"""Issue 16: "Holds … are dated records …, created and lifted through audited services by the Board, not a flag
in the admin". The nominee's old `on_hold` flag is gone (no admin field, no API write, no rule reads it); the
upgrade turns a nominee still flagged into a hold in force from that day, with an audit event, so that the
submission, the agenda lock and the decision (which read holds only) keep refusing them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dossiers.integrity import holds_in_force
from dossiers.models import Nominee, NomineeHold
from tests.factories import NomineeFactory
from workflows import audit
from workflows.models import AuditEvent

from ..innovation.test_policies import append_only_flush

__all__ = ["append_only_flush"]

BEFORE = [("dossiers", "0020_hiep_y_required_agencies")]


def test_the_flag_is_no_longer_a_field_of_the_nominee():
    names = {field.name for field in Nominee._meta.get_fields()}
    assert "on_hold" not in names and "hold_reason" not in names
    from dossiers.admin import NomineeAdmin

    assert "on_hold" not in NomineeAdmin.list_display and "on_hold" not in NomineeAdmin.list_filter


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_turns_a_flagged_nominee_into_an_audited_hold(person, append_only_flush):
    from workflows.models import Role

    person("board.admin", Role.BOARD_HEAD)
    flagged, other = NomineeFactory(full_name="Đặng Văn Cờ"), NomineeFactory(full_name="Lê Thị Không")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:  # the table as it stood: the flag set on the admin's change page
        cursor.execute(
            "UPDATE dossiers_nominee SET on_hold = %s, hold_reason = %s WHERE id = %s",
            [True, "Đang bị xem xét kỷ luật theo đơn khiếu nại", flagged.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("dossiers"))
    hold = NomineeHold.objects.get(nominee_id=flagged.pk)
    assert hold.kind == "discipline" and hold.starts_on == timezone.localdate()
    assert hold.source_document == "Đang bị xem xét kỷ luật theo đơn khiếu nại"
    assert set(holds_in_force([flagged.pk, other.pk])) == {flagged.pk}
    event = AuditEvent.objects.get(verb="hold_create", subject_id=str(flagged.pk))
    assert event.actor is None and event.data["hold"] == hold.pk
    assert not any(isinstance(step, audit.ChainProblem) for step in audit.verify_chain())
