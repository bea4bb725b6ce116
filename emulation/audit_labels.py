"""Labels for the verbs emulation records outside its lifecycle and its data keys (see workflows.history)."""

from django.utils.translation import gettext_lazy as _

from workflows.history import Detail, register

register(
    "emulation",
    verbs={
        "group_added": _("Thêm cụm, khối"),
        "overseer_assigned": _("Phân công theo dõi"),
        "linked_to_plan_activity": _("Gắn với hoạt động kế hoạch"),
    },
    details={
        "group": _("Cụm, khối"),
        "head": Detail(_("Đơn vị cụm trưởng"), model="organisations.Unit", lookup="code"),
        "deputy": Detail(_("Đơn vị cụm phó"), model="organisations.Unit", lookup="code"),
        "members": Detail(_("Đơn vị thành viên"), model="organisations.Unit", lookup="code"),
        "member": Detail(_("Thành viên theo dõi"), user=True),
        "activity": Detail(_("Hoạt động kế hoạch"), model="plan.Activity"),
    },
)
