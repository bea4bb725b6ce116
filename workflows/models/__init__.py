"""Engine models (roles, audit, notifications) and the annual plan's models."""

from .core import (
    COUNCIL_ROLES,
    UNIT_ROLES,
    AuditEvent,
    Delegation,
    Membership,
    Notification,
    Role,
    ScopedGrant,
    StatefulModel,
    StateField,
)

__all__ = [
    "COUNCIL_ROLES",
    "UNIT_ROLES",
    "AuditEvent",
    "Delegation",
    "Membership",
    "Notification",
    "Role",
    "ScopedGrant",
    "StateField",
    "StatefulModel",
]
