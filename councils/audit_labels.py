"""Labels for the verbs councils records and its data keys (shown on history pages; see workflows.history).
A ballot's choice is never recorded with a member, and no key here names one."""

from django.utils.translation import gettext_lazy as _

from workflows.history import Detail, register

from .models import AttendanceStatus, RecusalReason

register(
    "councils",
    verbs={
        "session_created": _("Lập phiên họp"),
        "agenda_item_added": _("Thêm nội dung vào chương trình họp"),
        "attendance_recorded": _("Ghi nhận điểm danh"),
        "attendance_roster_recorded": _("Ghi nhận điểm danh cả phiên"),
        "recusal_recorded": _("Ghi nhận không tham gia biểu quyết"),
        "ballot_cast": _("Bỏ phiếu"),
        "ballot_sheet_cast": _("Bỏ phiếu cả phiếu bầu"),
        "ballot_refused": _("Từ chối phiếu bầu"),
        "written_vote_recorded": _("Ghi nhận phiếu bằng văn bản"),
        "written_vote_confirmed": _("Xác nhận phiếu bằng văn bản"),
        "written_vote_rejected": _("Từ chối phiếu bằng văn bản"),
    },
    details={
        "member": Detail(_("Thành viên"), user=True),
        "nominee": Detail(_("Người được xét"), user=True),
        "item": Detail(_("Nội dung họp"), model="councils.AgendaItem"),
        "items": Detail(_("Nội dung họp"), model="councils.AgendaItem"),
        "session": Detail(_("Phiên họp"), model="councils.Session"),
        "council_term": Detail(_("Nhiệm kỳ hội đồng"), model="organisations.CouncilTerm"),
        "written_vote": _("Phiếu bằng văn bản số"),
        "status": Detail(_("Điểm danh"), choices=AttendanceStatus),
        "previous": Detail(_("Trước đó"), choices=AttendanceStatus),
        "reason": Detail(_("Lý do"), choices=RecusalReason),
        "automatic": _("Tự động"),
        "planned_on": _("Ngày họp dự kiến"),
        "place": _("Địa điểm"),
        "title": _("Tiêu đề"),
        "order": _("Thứ tự"),
        "proposing_unit": Detail(_("Đơn vị đề nghị"), model="organisations.Unit", lookup="code"),
        "invitation_note": _("Lý do mời, thôi mời chuyên gia"),
    },
)
