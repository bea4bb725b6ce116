"""Moved to the permission layer (workflows/policies.py). These names remain only until their last importers
move onto the policies; object permissions are no longer a copy of memberships (issue 13)."""

from .policies import may_read_history as can_read_history  # noqa: F401
from .policies import may_view_council_term as can_view_council_term  # noqa: F401
from .policies import may_view_unit as can_view_unit  # noqa: F401
