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
    StateField,
    StatefulModel,
)
from .plan import (
    OPEN_STATES,
    Activity,
    ActivityKind,
    ActivityState,
    OversightAssignment,
    Plan,
    ProgressReport,
    ReportPeriod,
    UnitPlan,
    UnitPlanItem,
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
    "Activity",
    "ActivityKind",
    "ActivityState",
    "OPEN_STATES",
    "OversightAssignment",
    "Plan",
    "ProgressReport",
    "ReportPeriod",
    "UnitPlan",
    "UnitPlanItem",
]
