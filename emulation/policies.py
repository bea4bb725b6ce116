"""Who may do what with the year's division into clusters and blocks (the permission layer,
workflows/policies.py): the Board drafts it, the Board head assigns the council members who oversee a group.
Announcing it is a transition: the engine asks its rule (emulation/lifecycle.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from workflows.models import Role
from workflows.policies import BOARD_ROLES, Decision, by_role, policy


@policy(roles=BOARD_ROLES, description="Tạo dự thảo phân chia Cụm, Khối của một năm")
def may_open_division(user, division=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_OFFICER, Role.BOARD_HEAD),
        None,
        reason=_("Bạn không có quyền thực hiện thao tác này."),
    )


@policy(roles=BOARD_ROLES, description="Sửa dự thảo phân chia (thêm Cụm, Khối)")
def may_draft_division(user, division=None) -> Decision:
    return by_role(
        user,
        (Role.BOARD_OFFICER, Role.BOARD_HEAD),
        None,
        reason=_("Bạn không có quyền thực hiện thao tác này."),
    )


@policy(roles=(Role.BOARD_HEAD,), description="Phân công thành viên hội đồng phụ trách một Cụm, Khối")
def may_assign_group_overseer(user, group=None) -> Decision:
    return by_role(user, (Role.BOARD_HEAD,), None, reason=_("Bạn không có quyền thực hiện thao tác này."))
