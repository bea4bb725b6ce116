"""Engine models (roles, audit, notifications, API tokens). The annual plan's models live in plan.models."""

from .core import (
    APPROVAL_ROLES,
    COUNCIL_ROLES,
    UNIT_ROLES,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditSubjectLabel,
    Delegation,
    Membership,
    MembershipStatus,
    Notification,
    OutboxCursor,
    Role,
    ScopedGrant,
    StateField,
    StatefulModel,
)
from .preferences import UserPreference
from .tokens import ApiToken

__all__ = [
    "ApiToken",
    "APPROVAL_ROLES",
    "COUNCIL_ROLES",
    "UNIT_ROLES",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditSubjectLabel",
    "Delegation",
    "Membership",
    "MembershipStatus",
    "Notification",
    "OutboxCursor",
    "Role",
    "ScopedGrant",
    "StateField",
    "StatefulModel",
    "UserPreference",
]
