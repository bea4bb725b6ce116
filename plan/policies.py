"""Who may do what with the annual plan (the permission layer, workflows/policies.py): the Board's writes
(copy to next year, issue, oversight) and the units' (register their plan, report its progress).

The activities' state changes are transitions: the engine asks their rules (plan/lifecycle.py). Reading the
plan is open to every signed-in user (a published document); the consolidated report and the oversight page
are for those who read everything (workflows.policies.may_read_everything)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from workflows.models import Role
from workflows.policies import BOARD_ROLES, UNIT_ROLES, Decision, by_role, policy, unit_ids_with
from workflows.roles import Scope


@policy(roles=BOARD_ROLES, description="Sao chép kế hoạch sang năm sau (dự thảo)")
def may_copy_plan(user, plan=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_OFFICER, Role.BOARD_HEAD),
        None,
        reason=_("Chỉ Ban TĐKT được thực hiện thao tác này."),
    )


@policy(roles=(Role.BOARD_HEAD,), description="Ghi nhận số, ngày ban hành kế hoạch")
def may_issue_plan(user, plan=None) -> Decision:
    return by_role(
        user, (Role.BOARD_HEAD,), None, reason=_("Chỉ Trưởng Ban TĐKT được ghi nhận ban hành kế hoạch.")
    )


@policy(roles=(Role.BOARD_HEAD,), description="Phân công thành viên hội đồng phụ trách đơn vị")
def may_assign_oversight(user, plan=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_HEAD,),
        None,
        reason=_("Chỉ Trưởng Ban TĐKT được phân công thành viên hội đồng phụ trách."),
    )


@policy(roles=UNIT_ROLES, description="Đăng ký kế hoạch của đơn vị (obj: đơn vị)")
def may_register_unit_plan(user, unit) -> Decision:
    return by_role(
        user,
        UNIT_ROLES,
        Scope(unit_id=getattr(unit, "pk", unit)),
        reason=_("Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được đăng ký kế hoạch của đơn vị."),
    )


@policy(roles=UNIT_ROLES, description="Báo cáo tiến độ kế hoạch của đơn vị (obj: kế hoạch của đơn vị)")
def may_report_progress(user, unit_plan) -> Decision:
    return by_role(
        user,
        UNIT_ROLES,
        Scope(unit_id=unit_plan.unit_id),
        reason=_("Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được báo cáo tiến độ."),
    )


def own_unit_ids(user) -> set[int]:
    """The units whose plan `user` registers and reports on (a unit officer's or head's, or their delegate's)."""
    return unit_ids_with(user, UNIT_ROLES)
