"""The package forwarded to the central level (hồ sơ trình Trung ương, issue 16).

When the Board forwards a dossier's state-level awards (the dossier's `forward` step), one ZIP is built and
stored with the dossier (ForwardingPackage):

  01-to-trinh.pdf                        the chairman's tờ trình, Decree 30 layout (dossiers.exports renderer)
  02-danh-sach-de-nghi.xlsx              the nominees forwarded, with the council's vote result
  03-bien-ban-hoi-dong-<session>.pdf     the minutes of each council session that voted on them (councils)
  04-tai-lieu/<owner>/<kind>-v<n>.pdf    every current document of the dossier and of those lines
  05-hiep-y.xlsx                         hiệp y: each agency required (or asked), its request and answer, or the
                                         Board head's waiver with who and why (also in manifest.json)
  manifest.json, SHA256SUMS              name, size and SHA-256 of every file above

The package is stored as built (the PDFs and the sheet carry their own creation time, so it is kept rather than
rebuilt); its entries are dated with the submission date. The Board (and the auditors) download it on the web
and through the API; the central outcome is then recorded on each of the package's lines (central_approve /
central_reject), which the consultation page lists against the package.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify

from workflows.exports import workbook_bytes

from .models import Dossier, DossierNominee, ForwardingPackage

MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _nominee_list(dossier: Dossier, lines: list[DossierNominee]) -> bytes:
    return workbook_bytes(
        sheet_title="Danh sách đề nghị",
        heading=[
            "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG CẤP NHÀ NƯỚC "
            f"KÈM THEO TỜ TRÌNH SỐ {dossier.central_submission_number or '…'}",
            dossier.title,
        ],
        header=[
            "STT",
            "Họ và tên / tên tập thể",
            "Năm sinh",
            "Chức vụ",
            "Đơn vị",
            "Danh hiệu, hình thức đề nghị",
            "Thẩm quyền quyết định",
            "Kết quả hội đồng",
        ],
        rows=(
            [
                index,
                line.nominee.full_name,
                line.nominee.birth_year or "",
                line.nominee.position,
                line.nominee.sub_unit or dossier.unit.name,
                line.award.name,
                line.award.deciding_authority,
                line.council_explanation,
            ]
            for index, line in enumerate(lines, start=1)
        ),
        widths=(6, 32, 10, 24, 30, 34, 28, 30),
    )


def _minutes(lines: list[DossierNominee]) -> list[tuple[str, bytes, str]]:
    """The minutes of every council session that voted on `lines` (their agenda items' sessions)."""
    from councils.documents import minutes_pdf
    from councils.models import AgendaItem

    item_ids = [int(line.council_item_ref) for line in lines if line.council_item_ref.isdigit()]
    sessions = {
        item.session.pk: item.session
        for item in AgendaItem.objects.filter(pk__in=item_ids).select_related(
            "session__council_term__council"
        )
    }
    return [
        (
            f"03-bien-ban-hoi-dong-{pk}.pdf",
            minutes_pdf(session),
            f"Biên bản họp hội đồng: {session.title}",
        )
        for pk, session in sorted(sessions.items())
    ]


def _documents(dossier: Dossier, lines: list[DossierNominee]) -> list[tuple[str, bytes, str]]:
    from .services import current_documents

    wanted = {line.pk: line for line in lines}
    found = []
    for (line_id, kind), document in sorted(
        current_documents(dossier).items(), key=lambda i: (i[0][0] or 0, i[0][1])
    ):
        if line_id is not None and line_id not in wanted:
            continue
        owner = (
            "ho-so"
            if line_id is None
            else f"doi-tuong-{line_id}-{slugify(wanted[line_id].nominee.full_name)}"
        )
        with document.file.open("rb") as handle:
            content = handle.read()
        name = f"04-tai-lieu/{owner}/{kind}-v{document.version}.pdf"
        label = document.get_kind_display()
        if line_id is not None:
            label = f"{label} – {wanted[line_id].nominee.full_name}"
        found.append((name, content, label))
    return found


def consultation_summary(dossier: Dossier, lines: list[DossierNominee]) -> list[dict]:
    """Hiệp y as forwarded: every agency the lines' rule versions require, then any other agency asked, each
    with its request and answer or its waiver (dossiers.consultation.agency_rows)."""
    from workflows.names import full_name

    from .consultation import agency_rows, consultation_status

    def _day(value):
        return value.isoformat() if value else None

    found = []
    rows = agency_rows(dossier, lines)
    required = {row["agency"] for row in rows}
    for request in dossier.consultations.exclude(agency__in=required).order_by("sent_on", "pk"):
        rows.append(
            {
                "agency": request.agency,
                "label": request.get_agency_display(),
                "lines": [],
                "request": request,
                "waiver": None,
                "status": request.outcome,
                "status_display": consultation_status(request),
            }
        )
    for row in rows:
        request, waiver = row["request"], row["waiver"]
        found.append(
            {
                "agency": row["agency"],
                "agency_display": str(row["label"]),
                "required": row["agency"] in required,
                "nominees": [line.nominee.full_name for line in row["lines"]],
                "status": row["status"],
                "status_display": str(row["status_display"]),
                "letter_reference": request.letter_reference if request else "",
                "sent_on": _day(request.sent_on) if request else None,
                "deadline": _day(request.deadline) if request else None,
                "answer_reference": request.answer_reference if request else "",
                "answered_on": _day(request.answered_on) if request else None,
                "reason": request.reason if request else "",
                "override_reason": request.override_reason if request else "",
                "waived_by": full_name(waiver.waived_by) if waiver else "",
                "waiver_reason": waiver.reason if waiver else "",
            }
        )
    return found


def _consultation_sheet(dossier: Dossier, summary: list[dict]) -> bytes:
    def _vn(iso):
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else ""

    return workbook_bytes(
        sheet_title="Hiệp y",
        heading=["TÌNH HÌNH HIỆP Y (NĐ 98/2023/NĐ-CP ĐIỀU 31)", dossier.title],
        header=[
            "STT",
            "Cơ quan",
            "Bắt buộc",
            "Đối tượng cần ý kiến",
            "Số công văn đề nghị",
            "Ngày gửi",
            "Hạn trả lời",
            "Kết quả",
            "Số văn bản trả lời",
            "Ý kiến, lý do",
            "Miễn hiệp y (người quyết định: lý do)",
        ],
        rows=(
            [
                index,
                item["agency_display"],
                "Có" if item["required"] else "Không",
                "; ".join(item["nominees"]),
                item["letter_reference"],
                _vn(item["sent_on"]),
                _vn(item["deadline"]),
                item["status_display"],
                item["answer_reference"],
                "; ".join(
                    part
                    for part in (
                        item["reason"],
                        item["override_reason"] and f"Vẫn trình: {item['override_reason']}",
                    )
                    if part
                ),
                f"{item['waived_by']}: {item['waiver_reason']}" if item["waiver_reason"] else "",
            ]
            for index, item in enumerate(summary, start=1)
        ),
        widths=(6, 34, 10, 34, 18, 12, 12, 30, 18, 34, 40),
    )


def package_files(dossier: Dossier, lines: list[DossierNominee]) -> list[tuple[str, bytes, str]]:
    """(name, content, description) of every file of the package but the manifest, in order."""
    from .exports import proposal_pdf_bytes

    lines = sorted(lines, key=lambda line: (line.position, line.pk))
    files = []
    proposal = proposal_pdf_bytes(dossier)
    if proposal is not None:
        files.append(("01-to-trinh.pdf", proposal, "Tờ trình đề nghị khen thưởng"))
    files.append(
        ("02-danh-sach-de-nghi.xlsx", _nominee_list(dossier, lines), "Danh sách đề nghị khen thưởng")
    )
    files += _minutes(lines)
    files += _documents(dossier, lines)
    files.append(
        (
            "05-hiep-y.xlsx",
            _consultation_sheet(dossier, consultation_summary(dossier, lines)),
            "Tình hình hiệp y (cả các cơ quan được Trưởng Ban miễn)",
        )
    )
    return files


def package_bytes(dossier: Dossier, lines: list[DossierNominee]) -> tuple[bytes, list[dict]]:
    """The ZIP and its manifest: each file with its size and SHA-256, then manifest.json and SHA256SUMS."""
    day = dossier.central_submission_date or timezone.localdate()
    stamp = datetime(day.year, day.month, day.day).timetuple()[:6]
    manifest = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, content: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)

        for name, content, description in package_files(dossier, lines):
            put(name, content)
            manifest.append(
                {"name": name, "size": len(content), "sha256": _sha256(content), "description": description}
            )
        document = {
            "dossier": dossier.pk,
            "title": dossier.title,
            "unit": dossier.unit.name,
            "submission_number": dossier.central_submission_number,
            "submission_date": day.isoformat(),
            "nominees": [
                {"line": line.pk, "name": line.nominee.full_name, "award": line.award.name} for line in lines
            ],
            "consultation": consultation_summary(dossier, lines),
            "files": manifest,
        }
        put(MANIFEST_NAME, json.dumps(document, ensure_ascii=False, indent=2).encode())
        put(SUMS_NAME, "".join(f"{entry['sha256']}  {entry['name']}\n" for entry in manifest).encode())
    return buffer.getvalue(), manifest


def package_build(*, dossier: Dossier, lines: list[DossierNominee], user) -> ForwardingPackage:
    """Build and store the package of `dossier` forwarding `lines` (called by the dossier's forward step, in its
    transaction, which audits the forwarding)."""
    dossier = (
        Dossier.objects.select_related("unit").get(pk=dossier.pk) if not hasattr(dossier, "unit") else dossier
    )
    lines = list(
        DossierNominee.objects.filter(pk__in=[line.pk for line in lines]).select_related("nominee", "award")
    )
    content, manifest = package_bytes(dossier, lines)
    package = ForwardingPackage(
        dossier=dossier, size=len(content), sha256=_sha256(content), manifest=manifest, created_by=user
    )
    package.file.save(f"ho-so-trinh-trung-uong-{dossier.pk}.zip", ContentFile(content), save=False)
    package.save()
    package.lines.set(lines)
    return package


def package_name(dossier: Dossier) -> str:
    return f"ho-so-trinh-trung-uong-{dossier.pk}.zip"
