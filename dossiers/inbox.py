"""The dossiers' rows in the task inbox that the machines' role rules do not give: a unit's drafts and returned
dossiers to complete (edited through the services, by the unit officer too), accepted dossiers whose nominees
still wait for the Board's opinion (given per nominee, whose machine the inbox does not list), and the Board
officer's steps on a dossier (policies.OFFICER_STEPS: they follow the dossier's assigned officer, so they are
named policies, not role rules): a dossier assigned to another officer is not listed, one assigned to the user
says so."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.inbox import DUE, InboxItem

from . import policies
from .models import Dossier, DossierNominee, DossierState, NomineeState


def _officer_steps() -> dict[str, tuple[list[str], Q | None]]:
    """{state: (the labels of the Board officer's steps out of it, the filter it waits under or None)}, read
    from the machine as the engine's inbox reads role rules (inbox_optional and inbox_conditions too)."""
    from .lifecycle import DossierLifecycle

    optional = set(DossierLifecycle.inbox_optional)
    conditions = DossierLifecycle.inbox_conditions
    steps: dict[str, tuple[list[str], Q | None, bool]] = {}
    for name, method in DossierLifecycle.transition_methods().items():
        for transition in method.get_transitions():
            if not any(transition.permission is step for step in policies.OFFICER_STEPS):
                continue
            labels, waiting, seen = steps.setdefault(transition.source, ([], None, False))
            label = str(transition.label or name)
            if label not in labels:
                labels.append(label)
            if name in optional:
                continue
            condition = conditions[name]() if name in conditions else None
            if not seen:
                waiting = condition
            elif waiting is not None:
                waiting = None if condition is None else waiting | condition
            steps[transition.source] = (labels, waiting, True)
    return {state: (labels, waiting) for state, (labels, waiting, seen) in steps.items() if seen}


def dossier_work(user, authorities, limit: int) -> list[InboxItem]:
    """One query (none for a user with no unit officer, unit head or Board officer role)."""
    editing_units = policies.editing_unit_ids(user)
    officer = policies.officer_inbox_filter(user)
    if not editing_units and officer is None:
        return []
    condition = Q(pk__in=[])
    if editing_units:
        condition |= Q(unit_id__in=editing_units, state__in=(DossierState.DRAFT, DossierState.RETURNED))
    steps = _officer_steps() if officer is not None else {}
    if officer is not None:
        handled, _mine = officer
        waiting = DossierNominee.objects.filter(dossier=OuterRef("pk"), state=NomineeState.PENDING)
        board = Q(Exists(waiting), state=DossierState.ACCEPTED)
        for state, (_labels, when) in steps.items():
            board |= Q(state=state) & (when if when is not None else Q())
        condition |= board & handled
    dossiers = Dossier.objects.filter(condition).select_related("unit")
    if officer is not None:
        dossiers = dossiers.annotate(inbox_assigned_to_me=officer[1])
    dossiers = dossiers.order_by(F("deadline").asc(nulls_last=True), "pk")
    today = timezone.localdate()
    actions = {
        DossierState.DRAFT: [_("Hoàn thiện hồ sơ")],
        DossierState.RETURNED: [_("Bổ sung hồ sơ theo yêu cầu")],
        DossierState.ACCEPTED: [_("Cho ý kiến thẩm định từng đối tượng")],
        **{state: labels for state, (labels, _when) in steps.items()},
    }
    labels = {value: str(label) for value, label in DossierState.choices}
    kind = str(Dossier._meta.verbose_name).capitalize()  # "Hồ sơ đề nghị khen thưởng"
    return [
        InboxItem(
            subject=dossier,
            title=str(dossier),
            url=dossier.get_absolute_url(),
            kind=kind,
            actions=list(actions[dossier.state]),
            state=labels[dossier.state],
            deadline=dossier.deadline,
            priority=DUE,
            note=_("Được giao cho bạn") if getattr(dossier, "inbox_assigned_to_me", False) else "",
            today=today,
        )
        for dossier in dossiers[: limit + 1]
    ]
