"""Celery application: broker from CELERY_BROKER_URL; eager (in-process) when no broker is configured.

The request id (workflows/requestid.py) travels with each task: before_task_publish writes the current one into
the message headers, task_prerun restores it in the worker (so the task's log records and audit events carry
the id of the request that queued it), task_postrun clears it again.
"""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from workflows import requestid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("tdkt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEADER = "request_id"
_TOKEN = "_tdkt_request_id_token"


@before_task_publish.connect
def put_request_id(headers=None, **kwargs):
    """Called in the publishing process (not for eager tasks, which run in the caller's context anyway)."""
    current = requestid.get()
    if current and headers is not None and HEADER not in headers:
        headers[HEADER] = current


def _header(task) -> str | None:
    request = getattr(task, "request", None)
    value = getattr(request, HEADER, None)
    if value is None:  # where Celery leaves custom headers depends on the message protocol
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return value if requestid.valid(value) else None


@task_prerun.connect
def restore_request_id(task=None, **kwargs):
    value = _header(task)
    if value is not None:
        setattr(task.request, _TOKEN, requestid.set(value))


@task_postrun.connect
def clear_request_id(task=None, **kwargs):
    token = getattr(getattr(task, "request", None), _TOKEN, None)
    if token is not None:
        requestid.reset(token)
        setattr(task.request, _TOKEN, None)
