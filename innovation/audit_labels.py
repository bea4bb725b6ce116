"""Labels for the verbs innovation records outside its lifecycles and its data keys (see workflows.history)."""

from django.utils.translation import gettext_lazy as _

from workflows.history import Detail, register

register(
    "innovation",
    verbs={
        "create": _("Tạo mới"),
        "set_reviewers": _("Chọn người chấm"),
        "submit": _("Nộp sáng kiến"),
        "authors_update": _("Sửa danh sách tác giả"),
        "evidence_upload": _("Tải lên minh chứng"),
        "declare_conflict": _("Khai báo xung đột lợi ích"),
        "assign_reviewer": _("Phân công người chấm"),
        "unassign_reviewer": _("Rút người chấm"),
        "review_save": _("Lưu phiếu chấm"),
        "review_submit": _("Nộp phiếu chấm"),
        "record_recognitions": _("Ghi nhận công nhận sáng kiến"),
        "central_recognition": _("Ghi công nhận phạm vi toàn quốc của Trung ương"),
    },
    details={
        "round": Detail(_("Đợt xét"), model="innovation.Round"),
        "initiative": Detail(_("Sáng kiến"), model="innovation.Initiative"),
        "unit": Detail(_("Đơn vị"), model="organisations.Unit"),
        "council_term": Detail(_("Nhiệm kỳ hội đồng"), model="organisations.CouncilTerm"),
        "activity": Detail(_("Hoạt động kế hoạch"), model="plan.Activity"),
        "reviewer": Detail(_("Người chấm"), user=True),
        "reviewers": Detail(_("Người chấm"), user=True),
        "evidence": Detail(_("Minh chứng"), model="innovation.Evidence"),
        "assignment": Detail(_("Phân công chấm"), model="innovation.ReviewAssignment"),
        "name": _("Tên tệp"),
        "total": _("Tổng điểm"),
        "title": _("Tiêu đề"),
        "scope_before": _("Phạm vi trước đó"),
        "scope": _("Phạm vi được công nhận"),
        "document_number": _("Số văn bản công nhận của Trung ương"),
        "document_date": _("Ngày văn bản công nhận của Trung ương"),
        "recognitions": _("Bản ghi công nhận của tác giả"),
    },
)
