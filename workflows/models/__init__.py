"""Engine models (roles, audit, notifications, API tokens). The annual plan's models live in plan.models."""

from .audit_check import AuditCheckMode, AuditCheckRun, AuditCheckState
from .core import (
    APPROVAL_ROLES,
    COUNCIL_ROLES,
    UNIT_ROLES,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditSubjectLabel,
    Delegation,
    MailStatus,
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
    "AuditCheckMode",
    "AuditCheckRun",
    "AuditCheckState",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditSubjectLabel",
    "Delegation",
    "MailStatus",
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
