"""Plan activities of kind "cluster_division" (item 8 of the 2023 plan) start the year's division."""

from django.utils.translation import gettext_lazy as _

from workflows import audit, processes

from .models import Division, DivisionState


def start_division(activity, actor):
    """Create the division record of the activity's year (or link the one already drafted)."""
    division, created = Division.objects.get_or_create(
        year=activity.plan.year, defaults={"activity": activity}
    )
    if not created and division.activity_id is None:
        Division.objects.filter(pk=division.pk).update(activity=activity)
    audit.record(
        subject=division,
        actor=actor,
        verb="linked_to_plan_activity" if not created else "created",
        data={"activity": activity.pk, "number": activity.number},
    )
    return division


def division_is_finished(division: Division) -> bool:
    return division.state == DivisionState.ANNOUNCED


def register() -> None:
    processes.register(
        "cluster_division",
        start=start_division,
        is_finished=division_is_finished,
        label=_("Phân chia Cụm, Khối thi đua"),
    )
