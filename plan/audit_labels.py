"""Labels for the verbs the plan app records outside its lifecycle and its data keys (see workflows.history)."""

from django.utils.translation import gettext_lazy as _

from workflows.history import Detail, register

from .models import ReportPeriod

register(
    "plan",
    verbs={
        "plan_copied": _("Lập kế hoạch từ kế hoạch năm trước"),
        "plan_issued": _("Ban hành kế hoạch"),
        "plan_imported": _("Nhập kế hoạch từ tệp"),
        "plan_updated_from_file": _("Cập nhật kế hoạch từ tệp"),
        "unit_plan_registered": _("Đơn vị đăng ký kế hoạch"),
        "progress_reported": _("Báo cáo tiến độ"),
        "oversight_assigned": _("Phân công theo dõi"),
    },
    details={
        "number": _("Số"),
        "issued_on": _("Ngày ban hành"),
        "from_year": _("Từ kế hoạch năm"),
        "activities": _("Hoạt động"),
        "period": Detail(_("Kỳ báo cáo"), choices=ReportPeriod),
        "items_done": _("Số việc đã xong"),
        "items_total": _("Tổng số việc"),
        "member": Detail(_("Thành viên theo dõi"), user=True),
    },
)
register("organisations", verbs={"unit_created_from_plan_file": _("Tạo đơn vị từ tệp kế hoạch")})
