"""A person's identity: the CCCD (căn cước công dân, 12 digits: Thông tư 59/2021/TT-BCA Điều 7) and the search
for a second nominee carrying the same number within the city."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Province codes of the CCCD's first three digits (001 Hà Nội … 096 Cà Mau).
FIRST_PROVINCE, LAST_PROVINCE = 1, 96
_DIGITS = re.compile(r"[0-9]{12}")


def normalise_cccd(value) -> str:
    """The number as typed, without spaces, dots or dashes (the card prints it in groups)."""
    return re.sub(r"[\s.\-]", "", str(value or ""))


def validate_cccd(value: str) -> None:
    """12 digits; the first three a province code 001–096; the fourth the century/gender code (0–9)."""
    value = normalise_cccd(value)
    if not value:
        return
    if not _DIGITS.fullmatch(value):
        raise ValidationError(
            _("Số CCCD gồm đúng 12 chữ số (đã nhập %(count)s ký tự).") % {"count": len(value)},
            code="cccd_format",
        )
    province = int(value[:3])
    if not FIRST_PROVINCE <= province <= LAST_PROVINCE:
        raise ValidationError(
            _(
                "Ba chữ số đầu của số CCCD là mã tỉnh, thành phố nơi đăng ký khai sinh (001–096); «%(code)s» không phải mã tỉnh."
            )
            % {"code": value[:3]},
            code="cccd_province",
        )
    # the fourth digit (0–9: century and gender) is always a digit once the 12 digits are checked


def same_cccd(cccd: str, *, exclude_pk=None):
    """The person nominee already carrying this CCCD, if any (None otherwise)."""
    from .models import Nominee
    from .models.catalogue import RecipientKind

    cccd = normalise_cccd(cccd)
    if not cccd:
        return None
    found = Nominee.objects.filter(kind=RecipientKind.INDIVIDUAL, cccd=cccd).select_related("unit")
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.first()
