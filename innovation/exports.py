"""The round's results list as an Excel sheet (shared layout: workflows.exports)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from workflows.exports import workbook_bytes

from . import selectors
from .models import Round


def _number(value) -> float | str:
    return float(value) if value is not None else ""


def results_bytes(round_: Round) -> bytes:
    """One row per initiative past screening, in ranking order: scores, spread, state and recognised scope."""
    rows = selectors.ranking(round_)
    authors: dict[int, list[str]] = {}
    for row in rows:
        authors[row.initiative.pk] = [
            f"{a.full_name} ({f'{a.share.normalize():f}'.replace('.', ',')} %)"
            for a in row.initiative.authors.all()
        ]
    return workbook_bytes(
        sheet_title=_("Kết quả xét sáng kiến"),
        heading=[
            _("KẾT QUẢ XÉT CÔNG NHẬN SÁNG KIẾN: %(round)s") % {"round": round_.title.upper()},
            _("%(council)s · trạng thái đợt: %(state)s · điểm tối thiểu trình hội đồng: %(pass)s")
            % {
                "council": round_.council_term.council.name,
                "state": round_.get_state_display(),
                "pass": round_.pass_score,
            },
        ],
        header=[
            _("Hạng"),
            _("Tên sáng kiến"),
            _("Đơn vị"),
            _("Tác giả (tỷ lệ đóng góp)"),
            _("Điểm của người chấm"),
            _("Điểm trung bình"),
            _("Chênh lệch"),
            _("Cần lưu ý chênh lệch"),
            _("Kết quả"),
            _("Phạm vi được công nhận"),
        ],
        rows=(
            [
                row.rank,
                row.initiative.title,
                row.initiative.unit.name,
                "; ".join(authors[row.initiative.pk]),
                "; ".join(str(total) for total in row.totals),
                _number(row.average),
                _number(row.spread),
                _("Có") if row.spread_flagged else "",
                row.initiative.get_state_display(),
                row.initiative.get_recognised_scope_display(),
            ]
            for row in rows
        ),
        widths=(7, 44, 28, 40, 20, 12, 11, 12, 24, 18),
    )
