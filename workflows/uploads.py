"""Uploaded files, checked the same way for every activity.

PDFs (dossier documents, initiative evidence, plan activity evidence): `read_pdf` / `check_pdf` accept a file
only when pypdf can parse its structure (at least one page, at most MAX_PDF_PAGES), nothing but whitespace
follows its last `%%EOF`, no HTML sits in its first kilobyte, it opens without a password, and it carries no
active content (JavaScript, launch actions, embedded files, rich media). A polyglot (a file that is also an
HTML page) is refused. Stored and downloaded copies always carry a `.pdf` name (`pdf_name`, `pdf_download`).

Excel imports: `check_xlsx` looks at the zip's central directory before any XML is parsed: a real .xlsx
(`[Content_Types].xml` and `xl/workbook.xml`), at most MAX_XLSX_UNCOMPRESSED_BYTES once unzipped, no entry
compressed more than MAX_XLSX_RATIO times (a zip bomb). docs/security.md, "Hostile input".
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = getattr(settings, "DOSSIER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
#: Bounds on the work a hostile PDF can cost: pages, and objects visited looking for active content.
MAX_PDF_PAGES = getattr(settings, "PDF_MAX_PAGES", 2000)
MAX_PDF_OBJECTS = getattr(settings, "PDF_MAX_OBJECTS", 200_000)
#: Name keys and values that make a PDF run something when it is opened or clicked.
ACTIVE_PDF_NAMES = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/ImportData"}
)
HTML_MARKERS = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|img|meta)", re.IGNORECASE)

#: An .xlsx import: at most this much once unzipped, and no entry compressed more than this ratio.
MAX_XLSX_UNCOMPRESSED_BYTES = getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
MAX_XLSX_RATIO = getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 100)
MAX_XLSX_ENTRIES = 1000


def read_pdf(upload) -> tuple[bytes, str]:
    """Read an upload and make sure it is a PDF within the size limit; returns (content, sha256)."""
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError({"file": _("Tệp rỗng, vui lòng chọn lại tệp PDF.")})
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "file": _("Tệp vượt quá dung lượng cho phép (%(limit)s MB).")
                % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    content = upload.read()
    if not content:
        raise ValidationError({"file": _("Tệp rỗng, vui lòng chọn lại tệp PDF.")})
    digest = hashlib.sha256(content).hexdigest()
    key = (digest, MAX_PDF_PAGES, MAX_PDF_OBJECTS)  # the limits too: a lower limit checks the bytes again
    if key not in _checked_pdfs:
        check_pdf(content)
        _remember_checked(key)
    return content, digest


#: Digests (sha256, with the limits then in force) of the contents this process has already found to be
#: acceptable PDFs, most recent last:
#: the same bytes uploaded again (a form of every line, one file for many documents) are not parsed again.
#: The checks depend on the bytes alone, so the answer is the same; a refused content is never remembered.
_checked_pdfs: dict[tuple[str, int, int], None] = {}
_CHECKED_PDFS_KEPT = 256


def _remember_checked(key: tuple[str, int, int]) -> None:
    _checked_pdfs[key] = None
    if len(_checked_pdfs) > _CHECKED_PDFS_KEPT:
        del _checked_pdfs[next(iter(_checked_pdfs))]


def _not_pdf(reason: str) -> ValidationError:
    return ValidationError({"file": _("Chỉ chấp nhận tệp PDF hợp lệ (%(reason)s).") % {"reason": reason}})


def check_pdf(content: bytes) -> None:
    """Raise ValidationError({"file": …}) unless `content` is a well-formed PDF without active content."""
    if not content.startswith(b"%PDF-"):
        raise ValidationError({"file": _("Chỉ chấp nhận tệp PDF (nội dung tệp không phải PDF).")})
    if HTML_MARKERS.search(content[:1024]):
        raise _not_pdf(_("tệp chứa mã HTML"))
    end = content.rfind(b"%%EOF")
    if end < 0:
        raise _not_pdf(_("thiếu phần kết thúc của PDF"))
    if content[end + len(b"%%EOF") :].strip(b" \t\r\n\x00\x0c"):
        raise _not_pdf(_("có dữ liệu lạ sau phần kết thúc của PDF"))
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise _not_pdf(_("tệp có mật khẩu, hãy gửi bản không đặt mật khẩu"))
        pages = len(reader.pages)
        if pages < 1:
            raise _not_pdf(_("tệp không có trang nào"))
        if pages > MAX_PDF_PAGES:
            raise _not_pdf(_("tệp quá %(n)d trang") % {"n": MAX_PDF_PAGES})
        active = _active_content(reader)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - hostile input to a third-party parser: any failure is a refusal
        raise _not_pdf(_("không đọc được cấu trúc tệp")) from None
    if active:
        raise _not_pdf(_("tệp chứa mã thực thi hoặc tệp đính kèm (%(name)s)") % {"name": active})


def _active_content(reader) -> str | None:
    """The first name of active content reachable from the trailer (dictionaries and arrays only; page
    content streams are not decoded), or None. Raises ValueError past MAX_PDF_OBJECTS objects."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, NameObject):
            if node in ACTIVE_PDF_NAMES:
                return str(node)
        elif isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in ACTIVE_PDF_NAMES:
                    return str(name)
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def pdf_name(name: str, default: str = "tai-lieu.pdf") -> str:
    """The base name of an uploaded file, without directories, control or shell characters, ending in .pdf
    whatever name the upload claimed (`x.html` becomes `x.html.pdf`)."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    base = "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in base).strip(" ._")
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    stem = stem.strip(" ._")[:120]
    return f"{stem}.pdf" if stem else default


def pdf_download(file, name: str, default: str = "tai-lieu.pdf") -> FileResponse:
    """Send a stored PDF as a download: always `application/pdf`, a `.pdf` name (quoted by Django), no sniffing,
    and a sandbox so that a browser that renders it anyway runs no script in our origin.

    With DJANGO_ACCEL_REDIRECT=1 and local media, the caller (who already checked the permission) answers with
    X-Accel-Redirect and nginx sends the bytes from its `internal` location (deploy/nginx.conf)."""
    if getattr(settings, "ACCEL_REDIRECT", False) and isinstance(
        getattr(file, "storage", None), FileSystemStorage
    ):
        from urllib.parse import quote

        from django.http import HttpResponse
        from django.utils.http import content_disposition_header

        response = HttpResponse(content_type="application/pdf")
        response["X-Accel-Redirect"] = settings.ACCEL_REDIRECT_LOCATION.rstrip("/") + "/" + quote(file.name)
        response["Content-Disposition"] = content_disposition_header(True, pdf_name(name, default))
        file.close()
    else:
        response = FileResponse(
            file, as_attachment=True, filename=pdf_name(name, default), content_type="application/pdf"
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def check_xlsx(upload) -> None:
    """Refuse a file that is not an .xlsx or unzips to too much, looking only at the zip's central directory
    (nothing is decompressed). Raises ValidationError({"file": …})."""
    not_xlsx = ValidationError({"file": _("Chỉ chấp nhận tệp Excel .xlsx (tải tệp mẫu trên trang này).")})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise not_xlsx
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise not_xlsx from None
    finally:
        upload.seek(0)
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise not_xlsx
    too_big = ValidationError(
        {
            "file": _(
                "Tệp Excel giải nén ra quá lớn (tối đa %(limit)s MB) hoặc nén bất thường; "
                "hãy lưu lại tệp theo mẫu, không chèn dữ liệu thừa."
            )
            % {"limit": MAX_XLSX_UNCOMPRESSED_BYTES // 2**20}
        }
    )
    if len(entries) > MAX_XLSX_ENTRIES:
        raise too_big
    if sum(entry.file_size for entry in entries) > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise too_big
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1):
            raise too_big


def open_xlsx_upload(upload, *, max_bytes: int):
    """An import template's workbook (openpyxl, read-only, values, no links), after the checks every import
    makes: a file was chosen, it is not empty or too large, it is a real .xlsx and no zip bomb (check_xlsx).
    Raises ValidationError({"file": …}); a workbook that opens but cannot be streamed is the caller's to catch
    (unreadable_xlsx() is the message)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if upload is None:
        raise ValidationError({"file": _("Chọn tệp Excel (.xlsx) theo mẫu.")})
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ValidationError({"file": _("Tệp rỗng, vui lòng chọn lại tệp Excel.")})
    if size > max_bytes:
        raise ValidationError(
            {"file": _("Tệp vượt quá dung lượng cho phép (%(limit)s MB).") % {"limit": max_bytes // 2**20}}
        )
    check_xlsx(upload)  # a real .xlsx, not a zip bomb: from the zip directory, before any XML is parsed
    try:
        return load_workbook(upload, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError):
        raise unreadable_xlsx() from None


def unreadable_xlsx() -> ValidationError:
    return ValidationError({"file": _("Không đọc được tệp Excel; hãy lưu lại tệp dạng .xlsx theo mẫu.")})


def sheet_key(text) -> str:
    """A heading or a choice as typed in a spreadsheet, compared without case, extra spaces or Unicode forms."""
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


def stream_sheet_rows(
    book, *, headings, first_data_row: int, max_scanned_rows: int, max_rows: int, too_many_rows: str
) -> list[tuple[int, tuple]]:
    """The non-empty rows after the header of an import template, read one at a time (only the template's
    columns); stops as soon as the header is wrong or a row lies past a limit, without reading the rest of the
    sheet. `too_many_rows` is the message for the (max_rows + 1)-th row, with %(row)d and %(n)d."""
    if not book.worksheets:
        raise ValueError("no sheet")
    headings = [str(heading) for heading in headings]
    rows = book.worksheets[0].iter_rows(max_col=len(headings), values_only=True)
    expected = [sheet_key(heading) for heading in headings]
    first = next(rows, ())
    if [sheet_key(value) for value in first][: len(expected)] != expected:
        raise ValidationError(
            {
                "file": _("Dòng tiêu đề không đúng mẫu; các cột phải là: %(columns)s.")
                % {"columns": ", ".join(headings)}
            }
        )
    body = []
    for number, line in enumerate(rows, start=first_data_row):
        if number > max_scanned_rows:
            raise ValidationError(
                {
                    "file": _("Dòng %(row)d: tệp có quá nhiều dòng (kể cả dòng trống), tối đa %(n)d dòng.")
                    % {"row": number, "n": max_scanned_rows}
                }
            )
        if not any(str(v).strip() for v in line if v is not None):
            continue
        if len(body) == max_rows:
            raise ValidationError({"file": too_many_rows % {"row": number, "n": max_rows}})
        body.append((number, line))
    return body
