"""Writes to configuration (units, councils and their terms; and, through the services of the apps above,
council rules, the award catalogue, eligibility rules, review criteria): one audited path.

Every write records one audit event with the before/after values of the fields it changed
(`config_created`, `config_updated`, `config_deleted`); a save that changes nothing records nothing. The
admin (`workflows.admin.AuditedAdmin`) and the API call these services; nothing else writes configuration.
Who may: the Board head, or an administrator (superuser) acting as IT administrator, recorded as "admin".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from organisations.models import Council, CouncilTerm, Unit

from . import audit
from .policies import PolicyDenied, may_change_configuration, require

ADMIN_ROLE = "admin"


def _acting(actor: audit.Actor) -> audit.Actor:
    """Refuse whoever may not configure (workflows.policies.may_change_configuration); record the actor in the
    role decided there (Board head, or "admin" for an administrator)."""
    try:
        return require(may_change_configuration, actor)
    except PolicyDenied as refused:
        raise PolicyDenied(
            _("Chỉ Trưởng Ban TĐKT hoặc quản trị viên được sửa cấu hình."), refused.status
        ) from None


def field_values(obj: models.Model) -> dict:
    """The object's concrete field values as JSON gives them back (foreign keys as ids, dates as text)."""
    values = {
        field.name: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if not field.primary_key
    }
    return audit.normalise_data(values)


def config_diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field whose value differs."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _label(obj: models.Model) -> str:
    return obj._meta.label_lower


def config_save(obj: models.Model, *, actor: audit.Actor, comment: str = "") -> models.Model:
    """Create or update one configuration row after validating it; audited with before/after values."""
    acting = _acting(actor)
    model = type(obj)
    with transaction.atomic():
        current = None
        if obj.pk is not None:
            current = model._default_manager.select_for_update().filter(pk=obj.pk).first()
        before = field_values(current) if current is not None else {}
        obj.full_clean()
        obj.save()
        # What the database now holds (a decimal 65 is stored as 65.00): the event shows real changes only.
        after = field_values(model._default_manager.get(pk=obj.pk))
        changes = config_diff(before, after)
        if current is not None and not changes:
            return obj
        audit.record(
            subject=obj,
            actor=acting,
            verb="config_updated" if current is not None else "config_created",
            comment=comment,
            data={"model": _label(obj), "object": str(obj), "changes": changes},
        )
    return obj


def config_update(obj: models.Model, *, actor: audit.Actor, comment: str = "", **changes) -> models.Model:
    """Change the named fields of a configuration row (unknown or read-only fields are refused)."""
    names = {field.name for field in obj._meta.concrete_fields if not field.primary_key and field.editable}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValidationError({name: _("Trường này không sửa được.") for name in unknown})
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    for name, value in changes.items():
        setattr(fresh, name, value)
    return config_save(fresh, actor=actor, comment=comment)


def config_delete(obj: models.Model, *, actor: audit.Actor, comment: str = "") -> None:
    """Delete one configuration row (refused while others refer to it); audited with its last values."""
    acting = _acting(actor)
    with transaction.atomic():
        current = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
        if current is None:
            return
        audit.record(
            subject=current,
            actor=acting,
            verb="config_deleted",
            comment=comment,
            data={
                "model": _label(current),
                "object": str(current),
                "changes": config_diff(field_values(current), {}),
            },
        )
        try:
            with transaction.atomic():
                current.delete()
        except (ProtectedError, RestrictedError):
            raise ValidationError(
                _("Không xóa được «%(object)s»: dữ liệu khác đang dùng nó.") % {"object": current}
            ) from None


# -- the configuration of the organisations app (which stands below the engine and has no services) ---------


def unit_create(*, actor: audit.Actor, **values) -> Unit:
    """Add a unit; audited."""
    return config_save(Unit(**values), actor=actor)


def unit_update(*, unit: Unit, actor: audit.Actor, **changes) -> Unit:
    """Change a unit's name, kind, parent or status; audited with before/after values."""
    parent = changes.get("parent")
    if parent is not None and _is_descendant(parent, unit):
        raise ValidationError(
            {"parent": _("Đơn vị cấp trên không được là chính đơn vị này hoặc đơn vị cấp dưới.")}
        )
    return config_update(unit, actor=actor, **changes)


def _is_descendant(candidate: Unit, unit: Unit) -> bool:
    seen = set()
    node = candidate
    while node is not None and node.pk not in seen:
        if node.pk == unit.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def council_save(*, council: Council, actor: audit.Actor) -> Council:
    """Create or change a council; audited."""
    return config_save(council, actor=actor)


def council_term_save(*, term: CouncilTerm, actor: audit.Actor) -> CouncilTerm:
    """Create or change a council term; audited."""
    return config_save(term, actor=actor)
