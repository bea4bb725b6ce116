"""Labels for the verbs dossiers records outside its lifecycles and its data keys (see workflows.history)."""

from django.utils.translation import gettext_lazy as _

from workflows.history import Detail, register

from .models import (
    ConsultationAgency,
    ConsultationOutcome,
    DocumentKind,
    HoldKind,
    OccasionKind,
    RecipientKind,
)

register(
    "dossiers",
    verbs={
        "create": _("Tạo mới"),
        "nominee_add": _("Thêm đối tượng đề nghị"),
        "nominee_update": _("Sửa đối tượng đề nghị"),
        "nominee_remove": _("Bỏ đối tượng đề nghị"),
        "document_upload": _("Tải lên tài liệu"),
        "public_comment": _("Ý kiến trong thời gian công khai"),
        # a past title, yearly rating or initiative declared by the unit and reviewed by the Board
        "declare": _("Khai báo quá trình khen thưởng, xếp loại"),
        "confirm": _("Ban TĐKT xác nhận"),
        "reject": _("Ban TĐKT không xác nhận"),
        # a dated hold (discipline, inspection, complaint, press) recorded and lifted by the Board
        "hold_create": _("Ban TĐKT ghi tạm dừng xét khen thưởng"),
        "hold_lift": _("Ban TĐKT gỡ tạm dừng xét khen thưởng"),
        # a person's transfer to another unit, recorded by the Board (dossiers.transfers)
        "nominee_transferred": _("Ban TĐKT ghi chuyển công tác"),
        # a unit's own year-end round (dossiers.unit_round)
        "round_imported": _("Nhập danh sách đợt bình xét của đơn vị"),
        "round_line_added": _("Thêm đối tượng vào đợt bình xét của đơn vị"),
        # the Board's edits of the rules (dossiers.rule_versions)
        "rule_version_copy": _("Tạo phiên bản quy định mới từ phiên bản có sẵn"),
        "rule_version_update": _("Sửa phiên bản quy định khen thưởng"),
        "rule_award_update": _("Sửa danh hiệu, hình thức của phiên bản quy định"),
        "rule_eligibility_update": _("Sửa điều kiện xét khen của phiên bản quy định"),
    },
    details={
        "line": Detail(_("Đối tượng trong hồ sơ"), model="dossiers.DossierNominee"),
        "nominee": _("Đối tượng"),
        "full_name": _("Họ và tên / tên tập thể"),
        "kind": Detail(
            _("Loại"),
            choices={**dict(RecipientKind.choices), **dict(DocumentKind.choices), **dict(HoldKind.choices)},
        ),
        "award": Detail(_("Danh hiệu, hình thức"), model="dossiers.AwardType", lookup="code"),
        "document": Detail(_("Tài liệu"), model="dossiers.DossierDocument"),
        "occasion": Detail(_("Loại khen thưởng"), choices=OccasionKind),
        "author": _("Người góp ý"),
        "hold": _("Mã việc tạm dừng"),
        "starts_on": _("Từ ngày"),
        "ends_on": _("Đến ngày"),
        "lifted_on": _("Ngày gỡ"),
        "source_document": _("Văn bản căn cứ"),
        "note": _("Ghi chú"),
        "from_unit": Detail(_("Đơn vị chuyển đi"), model="organisations.Unit", lookup="code"),
        "to_unit": Detail(_("Đơn vị chuyển đến"), model="organisations.Unit", lookup="code"),
        "transferred_on": _("Ngày chuyển công tác"),
        "legal_act": _("Quyết định điều động, chuyển công tác"),
        "round": Detail(_("Đợt bình xét của đơn vị"), model="dossiers.UnitRound"),
        "row": _("Dòng trong tệp"),
        "rows": _("Số dòng"),
        "version": Detail(_("Phiên bản quy định"), model="dossiers.RuleVersion", lookup="code"),
        "copied_from": Detail(_("Tạo từ phiên bản"), model="dossiers.RuleVersion", lookup="code"),
        "awards": _("Số danh hiệu, hình thức"),
        "rules": _("Số điều kiện"),
        "condition": _("Điều kiện xét khen"),
        "new_people": _("Số người mới ghi nhận"),
        "rating": _("Xếp loại"),
        "batch": _("Số mục đưa vào cùng lúc"),
    },
)

# the public notice before the council, hiệp y (dossiers.notice, dossiers.consultation)
register(
    "dossiers",
    verbs={
        "public_notice_start": _("Công khai trước khi họp hội đồng"),
        "public_comment_answer": _("Ban TĐKT trả lời ý kiến góp ý"),
        "consultation_send": _("Gửi đề nghị hiệp y"),
        "consultation_answer": _("Ghi ý kiến hiệp y"),
        "consultation_no_answer": _("Ghi cơ quan không trả lời hiệp y trong thời hạn"),
        "consultation_override": _("Trưởng Ban quyết định vẫn trình khi có ý kiến hiệp y phản đối"),
        "consultation_waive": _("Trưởng Ban miễn hiệp y một cơ quan cho hồ sơ"),
    },
    details={
        "lines": _("Các đối tượng (mã)"),
        "working_days": _("Số ngày làm việc"),
        "comment": _("Mã ý kiến góp ý"),
        "answer": _("Nội dung trả lời"),
        "consultation": Detail(_("Đề nghị hiệp y"), model="dossiers.ConsultationRequest"),
        "waiver": _("Mã quyết định miễn hiệp y"),
        "agency": Detail(_("Cơ quan hiệp y"), choices=ConsultationAgency),
        "outcome": Detail(_("Ý kiến hiệp y"), choices=ConsultationOutcome),
        "reason": _("Lý do"),
        "deadline": _("Hạn trả lời"),
        "letter_reference": _("Số công văn đề nghị"),
        "answer_reference": _("Số văn bản trả lời"),
    },
)
