"""Exact vote arithmetic: quorum and pass thresholds, with the computation written out in Vietnamese.

Decisions use integers only (agree × 100 ≥ percent × base, or agree × d ≥ n × base for a ratio n/d);
the percentage shown is rounded to one decimal for reading, never for deciding. A tie under a strict
majority rule (> 50 %) is not a majority: it fails (DOMAIN.md §3, majority principle).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def format_decimal(value: Decimal, places: int | None = None) -> str:
    """Vietnamese number: decimal comma, no trailing zeros unless `places` is given."""
    if places is not None:
        text = f"{value:.{places}f}"
    else:
        normalised = value.normalize()
        text = f"{normalised:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def reaches(
    count: int,
    base: int,
    *,
    percent: Decimal | None = None,
    ratio: tuple[int, int] | None = None,
    strict: bool = False,
) -> bool:
    """count/base ≥ threshold (or > when strict), exactly. An empty base never passes."""
    if base <= 0:
        return False
    if ratio is not None:
        numerator, denominator = ratio
        left, right = count * denominator, numerator * base
    else:
        left, right = Decimal(count) * 100, Decimal(percent) * base
    return left > right if strict else left >= right


def threshold_label(*, percent: Decimal | None, ratio: tuple[int, int] | None) -> str:
    if ratio is not None:
        return f"{ratio[0]}/{ratio[1]}"
    return f"{format_decimal(Decimal(percent))} %"


def _shown_percent(count: int, base: int, consistent) -> str:
    """count/base as a percentage with one decimal, never rounded across the threshold it is compared with."""
    exact = Decimal(count) * 100 / Decimal(base)
    for rounding in (ROUND_HALF_UP, ROUND_CEILING, ROUND_FLOOR):
        shown = exact.quantize(Decimal("0.1"), rounding=rounding)
        if consistent(shown):
            return format_decimal(shown, 1)
    return format_decimal(exact)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    explanation: str


def evaluate(
    *,
    agree: int,
    base: int,
    percent: Decimal | None = None,
    ratio: tuple[int, int] | None = None,
    strict: bool = False,
) -> Verdict:
    """Pass or fail, and the sentence shown next to the result ("15/21 đồng ý = 71,4 % ≥ 70 % → đạt"). The same
    figures give the same verdict: it is worked out once per figures and language (a session's items mostly share
    their counts and rule, and a year-end round closes hundreds of sessions alike)."""
    return _evaluated(agree, base, percent, None if ratio is None else tuple(ratio), strict, get_language())


@lru_cache(maxsize=4096)
def _evaluated(agree: int, base: int, percent, ratio, strict: bool, language) -> Verdict:
    passed = reaches(agree, base, percent=percent, ratio=ratio, strict=strict)
    label = threshold_label(percent=percent, ratio=ratio)
    verdict = _("đạt") if passed else _("không đạt")
    if base <= 0:
        return Verdict(
            False, _("%(agree)s/0 đồng ý: không có cơ sở tính tỷ lệ → không đạt") % {"agree": agree}
        )
    if ratio is not None:
        threshold_percent = Decimal(ratio[0]) * 100 / Decimal(ratio[1])
    else:
        threshold_percent = Decimal(percent)
    if strict:
        sign = ">" if passed else "≤"
    else:
        sign = "≥" if passed else "<"
    comparisons = {">": Decimal.__gt__, "≤": Decimal.__le__, "≥": Decimal.__ge__, "<": Decimal.__lt__}

    def consistent(shown: Decimal) -> bool:
        return comparisons[sign](shown, threshold_percent)

    shown = _shown_percent(agree, base, consistent)
    return Verdict(
        passed,
        _("%(agree)s/%(base)s đồng ý = %(shown)s %% %(sign)s %(label)s → %(verdict)s")
        % {
            "agree": agree,
            "base": base,
            "shown": shown,
            "sign": sign,
            "label": label,
            "verdict": verdict,
        },
    )


def quorum_explanation(*, present: int, total: int, numerator: int, denominator: int) -> Verdict:
    """Quorum: present members ≥ numerator/denominator of the members (DOMAIN.md §3: 2/3 by default)."""
    met = total > 0 and present * denominator >= numerator * total
    verdict = _("đủ điều kiện tiến hành") if met else _("không đủ điều kiện tiến hành")
    sign = "≥" if met else "<"
    return Verdict(
        met,
        _("%(present)s/%(total)s thành viên có mặt %(sign)s %(n)s/%(d)s → %(verdict)s")
        % {
            "present": present,
            "total": total,
            "sign": sign,
            "n": numerator,
            "d": denominator,
            "verdict": verdict,
        },
    )
