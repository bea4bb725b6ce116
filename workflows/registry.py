"""Which lifecycle (state machine) belongs to which model: filled by Lifecycle subclasses as they are defined.

It sits below both the lifecycles and the permission layer, which looks an object's machine up (its scope, its
read rule) without importing the machines' module.
"""

from __future__ import annotations

from django.db import models

REGISTRY: dict[type[models.Model], type] = {}


def lifecycle_for(obj_or_model) -> type:
    """The Lifecycle class of a model or instance; LookupError when the model has none."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return REGISTRY[model]
    except KeyError:
        raise LookupError(f"no lifecycle registered for {model.__name__}") from None


def notified_verbs() -> frozenset[str]:
    """The verbs, beyond transitions, that some lifecycle notifies (its `notified_verbs`, e.g. a session's
    expert invitation): the notifier reads only these and the transitions from the audit log."""
    return frozenset(verb for cls in REGISTRY.values() for verb in getattr(cls, "notified_verbs", ()))
