"""Uploaded PDFs, checked the same way for every activity (dossier documents, initiative evidence)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = getattr(settings, "DOSSIER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)


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
    if not content.startswith(b"%PDF-"):
        raise ValidationError({"file": _("Chỉ chấp nhận tệp PDF (nội dung tệp không phải PDF).")})
    return content, hashlib.sha256(content).hexdigest()
