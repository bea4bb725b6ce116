"""Organisations as data (layer 0). The read helpers of the organisation over time are reachable from here
(`organisations.units_on(day)`, `organisations.predecessors_of(unit)`…); they live in organisations.timeline
and are imported on first use, since this package is imported before Django's models are ready."""

_TIMELINE = {"as_of", "is_in_force", "parent_on", "predecessors_of", "successors_of", "units_on"}


def __getattr__(name):
    if name in _TIMELINE:
        from . import timeline

        return getattr(timeline, name)
    raise AttributeError(f"module 'organisations' has no attribute {name!r}")
