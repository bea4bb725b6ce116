"""The quotas of the catalogue as data, for every version of the awards they cap (issue 16): CSTĐCS at most 15 % of
the unit's LĐTT of the same year (NĐ 91/2017 Đ.9 k.3: in force for the versions of that decree, off for the
later ones, where the current law sets none), Cờ thi đua của Chính phủ at most 20 % of the collectives that led
their cluster or block (received Cờ thi đua thành phố) that year. The Board edits them in the admin."""

from datetime import date

from django.db import migrations

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


def load(apps, schema_editor):
    award_model = apps.get_model("dossiers", "AwardType")
    quota_model = apps.get_model("dossiers", "AwardQuota")
    for quota in QUOTAS:
        day = quota["active_if_in_force_on"]
        for award in award_model.objects.filter(code=quota["award"]):
            active = day is None or (
                award.effective_from <= day and (award.effective_to is None or day <= award.effective_to)
            )
            quota_model.objects.get_or_create(
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


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0013_unitround_rounds_quotas")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
