"""Links between plan activities and the processes they start (workflows.processes registry)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from viewflow.fsm import State

from workflows import processes


def start_process(activity, actor):
    """Create the activity's process when its kind has one and none is linked yet; link it. Returns it or None."""
    if activity.has_process:
        return activity.process
    kind = processes.for_kind(activity.kind)
    if kind is None:
        return None
    created = kind.start(activity, actor)
    activity.process_type = ContentType.objects.get_for_model(created)
    activity.process_id = str(created.pk)
    return created


def linked_process(activity):
    if not activity.has_process:
        return None
    model = activity.process_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=activity.process_id).first()


def process_is_finished(activity) -> bool | None:
    """True/False for a linked process of a registered kind; None when nothing is linked or checkable."""
    if not activity.has_process:
        return None
    kind = processes.for_kind(activity.kind)
    if kind is None:
        return None
    obj = linked_process(activity)
    if obj is None:
        return False
    return bool(kind.is_finished(obj))


def process_finished_condition(flow):
    """An activity that started a process completes only once that process has finished."""
    finished = process_is_finished(flow.obj)
    if finished is False:
        obj = linked_process(flow.obj)
        kind = processes.for_kind(flow.obj.kind)
        name = str(obj) if obj is not None else (kind.label if kind else flow.obj.kind)
        return State.CONDITION(
            False,
            _("Quy trình liên kết «%(process)s» chưa kết thúc; chưa thể hoàn thành hoạt động.")
            % {"process": name},
        )
    return State.CONDITION(True)
