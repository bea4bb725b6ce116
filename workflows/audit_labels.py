"""Labels for the verbs workflows itself records and the data keys shared by every app (see workflows.history)."""

from django.utils.translation import gettext_lazy as _

from organisations.models import SuccessionKind

from .history import Detail, register
from .models import AuditCheckMode, Role

register(
    "",
    verbs={
        "create": _("Tạo mới"),
        "created": _("Tạo mới"),
        "imported": _("Nhập từ tệp"),
        "updated_from_file": _("Cập nhật từ tệp"),
        "config_created": _("Tạo cấu hình"),
        "config_updated": _("Sửa cấu hình"),
        "config_deleted": _("Xóa cấu hình"),
        "membership_proposed": _("Đề xuất giao vai trò"),
        "membership_granted": _("Giao vai trò"),
        "membership_approved": _("Duyệt giao vai trò"),
        "membership_rejected": _("Từ chối giao vai trò"),
        "membership_ended": _("Chấm dứt vai trò"),
        "delegation_created": _("Ủy quyền"),
        "permission_granted": _("Cấp quyền"),
        "permission_revoked": _("Thu hồi quyền"),
        "audit_check_started": _("Bắt đầu kiểm tra nhật ký"),
        "notification_resent": _("Gửi lại thư thông báo"),
    },
    details={
        "member": Detail(_("Thành viên"), user=True),
        "user": Detail(_("Người dùng"), user=True),
        "delegator": Detail(_("Người ủy quyền"), user=True),
        "delegate": Detail(_("Người được ủy quyền"), user=True),
        "proposed_by": Detail(_("Người đề xuất"), user=True),
        "role": Detail(_("Vai trò"), choices=Role),
        "valid_from": _("Từ ngày"),
        "valid_to": _("Đến ngày"),
        "permission": _("Quyền"),
        "unit": Detail(_("Đơn vị"), model="organisations.Unit", lookup="code"),
        "title": _("Tiêu đề"),
        "file": _("Tệp"),
        "year": _("Năm"),
        "mode": Detail(_("Phạm vi kiểm tra"), choices=AuditCheckMode),
        "attempts": _("Số lần đã gửi"),
    },
)

# The organisation over time (workflows/organisation_services.py): events on units.
register(
    "organisations",
    verbs={
        "unit_succession_recorded": _("Ghi nhận kế thừa đơn vị (sáp nhập, hợp nhất, chia tách, đổi tên)"),
        "unit_parent_changed": _("Đổi đơn vị cấp trên"),
        "unit_parent_followed": _("Đơn vị cấp trên đổi theo ngày có hiệu lực"),
        "unit_ended": _("Kết thúc hiệu lực đơn vị"),
    },
    details={
        "kind": Detail(_("Hình thức kế thừa"), choices=SuccessionKind),
        "effective_on": _("Ngày có hiệu lực"),
        "legal_act": _("Văn bản quy định"),
        "predecessors": Detail(_("Đơn vị trước"), model="organisations.Unit", lookup="code"),
        "new_parent": Detail(_("Đơn vị cấp trên mới"), model="organisations.Unit", lookup="code"),
    },
)
