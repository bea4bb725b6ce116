"""The transition service: the one path by which any activity changes state.

perform() locks the row, checks the actor's role for this object (→ ActionForbidden, HTTP 403), checks the
order (wrong state → TransitionNotAllowed, HTTP 409; an undeclared name → TransitionNotFound, HTTP 404), validates the input (→ ValidationError,
HTTP 400), runs the viewflow.fsm transition, saves, writes exactly one audit event in the same
transaction. A failure at any step rolls everything back.

Notifications read the audit log as a transactional outbox (workflows.tasks.dispatch_notifications):
nothing is lost when the broker is down, and a transition pays nothing to queue them.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils.translation import gettext as _

from . import audit, roles
from .db import fixed_statement_cursor
from .lifecycle import Lifecycle, RoleRule, TransitionForm, lifecycle_for
from .policies import ActionForbidden, Policy
from .roles import Authority


class TransitionNotAllowed(Exception):
    """The transition does not exist, or is not allowed from the object's current state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotFound(TransitionNotAllowed):
    """The machine declares no transition of that name (HTTP 404)."""


@dataclass(frozen=True)
class Check:
    """Whether `user` may perform one transition now, and if not, why (for listings and buttons)."""

    name: str
    label: str
    allowed: bool
    reason: str = ""
    status: int = 200
    authority: Authority | None = None


def _role_verdict(flow: Lifecycle, transition, user, label: str):
    """Whether `user` holds the role `transition` asks for on this object: (authority, None) or (None, why not)."""
    rule = transition.permission
    if isinstance(rule, RoleRule):  # the permission layer's role rule (workflows.policies.by_role)
        authority = rule.decide(flow, user).authority
        if authority is None:
            return None, _("Chỉ %(roles)s có thẩm quyền mới được thực hiện «%(action)s».") % {
                "roles": rule.describe(),
                "action": label,
            }
        return authority, None
    if isinstance(rule, Policy):  # a named policy of the layer, asked about this object
        decision = rule(user, flow.obj)
        if not decision.allowed:
            return None, decision.reason
        return decision.authority or Authority(role="", unit_id=None, council_term_id=None), None
    if not transition.has_perm(flow, user):
        return None, _("Bạn không có quyền thực hiện «%(action)s».") % {"action": label}
    return Authority(role="", unit_id=None, council_term_id=None), None


def check(flow: Lifecycle, name: str, user) -> Check:
    """Evaluate one transition for `user` without running it: role, then state, then conditions.

    Role comes first (docs/api.md): whoever may never perform a transition on this object learns "not your
    job" (403) whatever the object's state, and only someone who holds the role learns that the state is
    wrong (409). A name the machine does not declare is a 404.
    """
    methods = flow.transition_methods()
    if name not in methods:
        return Check(name, name, False, _("Không có thao tác «%(name)s».") % {"name": name}, 404)
    label = flow.transition_label(name)
    transition = flow.current_transition(name)
    if transition is None:
        # Not from this state: refuse as 403 unless the user holds the role of some source of this transition.
        reasons = []
        for candidate in methods[name].get_transitions():
            authority, why = _role_verdict(flow, candidate, user, str(candidate.label))
            if authority is not None:
                break
            reasons.append(why)
        else:
            if reasons:
                return Check(name, label, False, reasons[0], 403)
        reason = _("Không thể thực hiện «%(action)s» khi đang ở trạng thái «%(state)s».") % {
            "action": label,
            "state": flow.state_label(flow.state),
        }
        return Check(name, label, False, reason, 409)
    label = str(transition.label)
    authority, why = _role_verdict(flow, transition, user, label)
    if authority is None:
        return Check(name, label, False, why, 403)
    unmet = transition.get_unmet_condition(flow)
    if unmet is not None:
        condition, result = unmet
        message = getattr(result, "message", "") or getattr(condition, "__doc__", "") or ""
        return Check(name, label, False, message.strip() or _("Chưa đủ điều kiện."), 409, authority)
    return Check(name, label, True, "", 200, authority)


def available(obj: models.Model, user) -> list[Check]:
    """Every transition of the object's machine, each with allowed yes/no and why not, for `user`."""
    flow = lifecycle_for(obj)(obj)
    return [check(flow, name, user) for name in flow.transition_methods()]


def _snapshot(obj: models.Model) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


_LOCK_COMPILERS: dict = {}


def _lock(model: type[models.Model], pk, user=None) -> models.Model:
    """SELECT … FOR UPDATE the row and build the instance, with the SQL compiled once per model (the ORM's
    query compilation costs more than the round trip on this hot path).

    On PostgreSQL, when `user`'s roles for today are not cached yet, the role lookup rides in the same
    statement (one round trip fewer per transition); the authorities are cached on the user object.
    """
    db = router.db_for_write(model)
    connection = connections[db]
    key = (model, db)
    cached = _LOCK_COMPILERS.get(key)
    if cached is None:
        queryset = model._default_manager.db_manager(db).select_for_update().filter(pk=pk)
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        if list(params) != [pk]:  # a default manager with its own filters: let the ORM do it every time
            return queryset.get()
        columns = [column for column, _, _ in compiler.select]
        with_roles = sql.replace(" FROM ", f", {roles.AUTHORITIES_JSON_SQL} FROM ", 1)
        cached = (
            sql,
            with_roles,
            [column.target.attname for column in columns],
            compiler,
            compiler.get_converters(columns),
        )
        _LOCK_COMPILERS[key] = cached
    sql, with_roles, attnames, compiler, converters = cached
    day = roles.today()
    fetch_roles = connection.vendor == "postgresql" and roles.needs_authorities(user, day)
    with fixed_statement_cursor(connection) as cursor:
        if fetch_roles:
            cursor.execute(with_roles, [*roles.authorities_params(user, day), pk])
        else:
            cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")
    if fetch_roles:
        *row, found = row
        roles.remember_authorities(user, day, json.loads(found) if isinstance(found, str) else found)
    if converters:
        row = next(iter(compiler.apply_converters([row], converters)))
    return model.from_db(db, attnames, row)


def _update_statement(obj: models.Model, changed: list[str]) -> tuple[str, list]:
    """UPDATE of only the changed columns (and auto_now ones) of the locked row, in plain SQL."""
    db = router.db_for_write(type(obj))
    connection = connections[db]
    meta = obj._meta
    fields = [
        field
        for field in meta.concrete_fields
        if field.attname in changed or getattr(field, "auto_now", False)
    ]
    quote = connection.ops.quote_name
    values = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return (
        f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
        [*values, meta.pk.get_db_prep_value(obj.pk, connection)],
    )


def perform(
    obj: models.Model,
    name: str,
    *,
    user,
    data: dict | None = None,
    files: dict | None = None,
    client_ip: str | None = None,
    extra_audit: dict | None = None,
    locked_related: dict[str, models.Model] | None = None,
) -> models.Model:
    """Perform transition `name` on `obj` for `user`; return the saved, updated object.

    `locked_related` ({"session": session}) hands over related rows the caller has already locked in the
    same transaction, so checks read them instead of fetching them again (closing a council session's 500
    items reads the session once). Only rows locked by the caller: anything else must be read afresh.
    """
    lifecycle_cls = lifecycle_for(obj)
    with transaction.atomic():
        locked = _lock(type(obj), obj.pk, user)
        for field_name, related in (locked_related or {}).items():
            field = locked._meta.get_field(field_name)
            if getattr(locked, field.attname) == related.pk:
                field.set_cached_value(locked, related)
        flow = lifecycle_cls(locked)
        verdict = check(flow, name, user)
        if not verdict.allowed:
            if verdict.status == 403:
                raise ActionForbidden(verdict.reason)
            if verdict.status == 404:
                raise TransitionNotFound(verdict.reason)
            raise TransitionNotAllowed(verdict.reason)
        form_class = lifecycle_cls.form_class(name)
        if form_class is TransitionForm and not data and not files:
            cleaned = {"comment": ""}  # what the base form gives for no input, without building it
        else:
            form = form_class(data=data or {}, files=files)
            if not form.is_valid():
                raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
            cleaned = dict(form.cleaned_data)
        comment = cleaned.pop("comment", "") or ""
        authority = verdict.authority
        actor = audit.Actor(
            user=user,
            role=authority.role if authority else "",
            on_behalf_of=_user_ref(authority.on_behalf_of_id) if authority else None,
            client_ip=client_ip,
        )
        before = _snapshot(locked)
        source = flow.state
        getattr(flow, name)(cleaned_data=cleaned, actor=actor, comment=comment)
        after = _snapshot(locked)
        changed = {key: after[key] for key in after if after[key] != before[key]}
        event_data = {"changes": {key: [before[key], after[key]] for key in changed}}
        if cleaned:
            event_data["input"] = {key: value for key, value in cleaned.items() if not hasattr(value, "read")}
        if extra_audit:
            event_data.update(extra_audit)
        audit.record(
            subject=locked,
            actor=actor,
            verb=name,
            source_state=source,
            target_state=flow.state,
            comment=comment,
            data=event_data,
            alongside=_update_statement(locked, list(changed)) if changed else None,
        )
        if settings.NOTIFICATIONS_DISPATCH_ON_COMMIT:
            transaction.on_commit(_dispatch_notifications)
    return locked


def _user_ref(user_id):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model()(pk=user_id)


def _dispatch_notifications() -> None:
    """Without a broker (development, tests) notify right after commit; with one, beat does it."""
    from .tasks import dispatch_notifications

    dispatch_notifications()


class BatchRefused(TransitionNotAllowed):
    """perform_many() changed nothing: some objects may not take the transition. `errors` lists each one:
    {"id": pk, "status": 409|403|400, "detail": why} (403 when the user's role does not reach the object)."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


@contextmanager
def _pipelined(connection):
    """PostgreSQL: the batch's per-object UPDATEs are sent without waiting for each answer (psycopg's pipeline
    mode); a transition that reads (its siblings, say) still sees every write before it, since a read syncs the
    pipeline first. An error surfaces at the latest when the block ends, and the whole batch rolls back."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def perform_many(
    objects,
    name: str,
    *,
    user,
    data: dict | None = None,
    client_ip: str | None = None,
    extra_audit: dict | None = None,
) -> list[models.Model]:
    """Perform transition `name` on many objects of one lifecycle, all or nothing, in one transaction.

    The same checks as perform() run for every object (state, role, conditions, the input validated once, as
    the same input goes to each); one statement locks all rows (in primary-key order, so that two batches
    never deadlock); each object's state change is written as it happens (a transition may read its siblings);
    the audit events, one per object, are appended together by audit.record_many() (one chain-head lock, the
    rows in multi-row INSERTs). If any object is refused, nothing is written and BatchRefused lists why for
    each refused object.
    """
    objects = list(objects)
    if not objects:
        return []
    model = type(objects[0])
    if any(type(obj) is not model for obj in objects):
        raise TransitionNotAllowed(_("Mọi đối tượng của một thao tác hàng loạt phải cùng một loại."))
    lifecycle_cls = lifecycle_for(model)
    pks = sorted({obj.pk for obj in objects})
    db = router.db_for_write(model)
    connection = connections[db]
    form_class = lifecycle_cls.form_class(name)
    if form_class is TransitionForm and not data:
        cleaned_input = {"comment": ""}
    else:
        form = form_class(data=data or {})
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        cleaned_input = dict(form.cleaned_data)
    comment = cleaned_input.pop("comment", "") or ""
    with transaction.atomic(using=db):
        locked = list(
            model._default_manager.db_manager(db).select_for_update().filter(pk__in=pks).order_by("pk")
        )
        found = {obj.pk for obj in locked}
        errors = [{"id": pk, "status": 404, "detail": _("Không tìm thấy.")} for pk in pks if pk not in found]
        from .conditions import batch_pass

        flows = []
        with batch_pass():  # nothing written during the checks (conditions.py)
            for obj in locked:
                flow = lifecycle_cls(obj)
                verdict = check(flow, name, user)
                if not verdict.allowed:
                    errors.append({"id": obj.pk, "status": verdict.status, "detail": verdict.reason})
                flows.append((flow, verdict))
        if errors:
            raise BatchRefused(
                _(
                    "Không thực hiện được «%(action)s» cho %(count)s trong %(total)s đối tượng; không đối tượng nào bị thay đổi."
                )
                % {
                    "action": lifecycle_cls(locked[0]).transition_label(name) if locked else name,
                    "count": len(errors),
                    "total": len(pks),
                },
                errors,
            )
        events = []
        with fixed_statement_cursor(connection) as cursor, _pipelined(connection):
            for flow, verdict in flows:
                obj = flow.obj
                authority = verdict.authority
                actor = audit.Actor(
                    user=user,
                    role=authority.role if authority else "",
                    on_behalf_of=_user_ref(authority.on_behalf_of_id) if authority else None,
                    client_ip=client_ip,
                )
                cleaned = dict(cleaned_input)
                before = _snapshot(obj)
                source = flow.state
                getattr(flow, name)(cleaned_data=cleaned, actor=actor, comment=comment)
                after = _snapshot(obj)
                changed = {key: after[key] for key in after if after[key] != before[key]}
                if changed:
                    cursor.execute(*_update_statement(obj, list(changed)))
                event_data = {"changes": {key: [before[key], after[key]] for key in changed}}
                if cleaned:
                    event_data["input"] = {k: v for k, v in cleaned.items() if not hasattr(v, "read")}
                if extra_audit:
                    event_data.update(extra_audit)
                events.append(
                    {
                        "subject": obj,
                        "actor": actor,
                        "verb": name,
                        "source_state": source,
                        "target_state": flow.state,
                        "comment": comment,
                        "data": event_data,
                    }
                )
        audit.record_many(events)
        if settings.NOTIFICATIONS_DISPATCH_ON_COMMIT:
            transaction.on_commit(_dispatch_notifications)
    return locked
