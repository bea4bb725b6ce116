"""Load the award catalogue YAML (dossiers/data/award_catalogue.yaml) into AwardType and EligibilityRule rows."""

from __future__ import annotations

from pathlib import Path

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "award_catalogue.yaml"
AWARD_FIELDS = (
    "name",
    "level",
    "recipient_kind",
    "deciding_authority",
    "route",
    "occasion_kinds",
    "required_documents",
    "vote_threshold_percent",
    "vote_threshold_base",
    "vote_threshold_strict",
    "public_notice_required",
    "public_notice_days",
    "legal_source",
    "effective_to",
)


def catalogue_load(award_model, rule_model, path: Path = CATALOGUE_FILE) -> int:
    """Create the catalogue's award versions that do not exist yet (by code and effective date); returns how many.

    Existing versions are left alone: once loaded, the Board owns them in the admin.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    created = 0
    for row in data["awards"]:
        if award_model.objects.filter(code=row["code"], effective_from=row["effective_from"]).exists():
            continue
        award = award_model.objects.create(
            code=row["code"],
            effective_from=row["effective_from"],
            **{field: row[field] for field in AWARD_FIELDS if field in row},
        )
        for position, rule in enumerate(row.get("rules") or []):
            rule_model.objects.create(
                award=award,
                kind=rule["kind"],
                parameters=rule.get("parameters") or {},
                severity=rule["severity"],
                description=rule["description"],
                legal_source=rule["legal_source"],
                position=position,
            )
        created += 1
    return created
