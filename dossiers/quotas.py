"""The catalogue's quotas (AwardQuota) as shipped, given to every version of the awards they cap (issue 16):
CSTĐCS at most 15 % of the unit's LĐTT of the same year (NĐ 91/2017 Đ.9 k.3: on for the versions in force under
that decree, off for the later ones, where the current law sets none), Cờ thi đua của Chính phủ at most 20 % of
the collectives that led their cluster or block (received Cờ thi đua thành phố) that year. Rows that exist are
left alone: the Board owns them in the admin. Used by the data migrations, so it reads models it is given."""

from __future__ import annotations

from datetime import date

QUOTAS = (
    {
        "award": "cstdcs",
        "base_award_code": "ldtt",
        "scope": "unit",
        "max_percent": 15,
        # in force for the versions of NĐ 91/2017 (achievements up to 2023); off by default after it
        "active_if_in_force_on": date(2023, 12, 31),
        "description": "Số Chiến sĩ thi đua cơ sở không quá 15% số Lao động tiên tiến của đơn vị trong năm",
        "legal_source": "NĐ 91/2017/NĐ-CP, Điều 9 khoản 3",
    },
    {
        "award": "co-thi-dua-cp",
        "base_award_code": "co-thi-dua-tp",
        "scope": "city",
        "max_percent": 20,
        "active_if_in_force_on": None,
        "description": "Số tập thể đề nghị Cờ thi đua của Chính phủ không quá 20% số tập thể dẫn đầu cụm, khối "
        "thi đua (được tặng Cờ thi đua thành phố) trong năm",
        "legal_source": "CV 5007/BNV-TĐKT năm 2023",
    },
)


def quotas_load(award_model, quota_model) -> int:
    """Give every version of a capped award its quota where it has none; returns how many were created."""
    created = 0
    for quota in QUOTAS:
        day = quota["active_if_in_force_on"]
        for award in award_model.objects.filter(code=quota["award"]):
            active = day is None or (
                award.effective_from is not None
                and award.effective_from <= day
                and (award.effective_to is None or day <= award.effective_to)
            )
            _row, made = quota_model.objects.get_or_create(
                award=award,
                base_award_code=quota["base_award_code"],
                scope=quota["scope"],
                defaults={
                    "max_percent": quota["max_percent"],
                    "is_active": active,
                    "description": quota["description"],
                    "legal_source": quota["legal_source"],
                },
            )
            created += made
    return created
