"""Load the award catalogue YAML (dossiers/data/award_catalogue.yaml): its rule versions (RuleVersion), each
with its award types (AwardType) and their eligibility rules (EligibilityRule).

Works on the real models and on a migration's historical ones (only queries and plain creates, no model
methods), so migrations 0002 and 0015 give existing databases the versions and the tests and demo get the same data.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from django.core.exceptions import FieldDoesNotExist, ValidationError

from .models.catalogue import ranges_overlap_q

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
    "secret_ballot",
    "public_notice_required",
    "public_notice_days",
    "post_after_vote",
    "legal_source",
)
VERSION_FIELDS = (
    "name",
    "legal_basis",
    "effective_from",
    "effective_to",
    "public_notice_days",
    "sla_working_days",
    "reward_multipliers",
    "consultation_agencies",
    "assumptions",
    "note",
)


def _plain(value):
    """YAML dates inside JSON values as ISO text."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def catalogue_data(path: Path = CATALOGUE_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _version(version_model, row: dict):
    version = version_model.objects.filter(code=row["code"]).first()
    if version is not None:
        return version
    # a migration's historical model may predate some fields (e.g. 0020's consultation_agencies, which that
    # migration then sets from this file)
    names = {field.name for field in version_model._meta.get_fields()}
    fields = {key: row[key] for key in VERSION_FIELDS if key in row and key in names}
    for key in (
        "legal_basis",
        "sla_working_days",
        "reward_multipliers",
        "consultation_agencies",
        "assumptions",
    ):
        if key in fields:
            fields[key] = _plain(fields[key])
    start, end = fields.get("effective_from"), fields.get("effective_to")
    if start is not None:
        other = version_model.objects.filter(ranges_overlap_q(start, end)).first()
        if other is not None:
            raise ValidationError(
                f"Phiên bản {row['code']} ({start} – {end or '…'}) chồng lên phiên bản {other.code} đã có."
            )
    quorum = row.get("quorum") or (2, 3)
    return version_model.objects.create(
        code=row["code"], quorum_numerator=quorum[0], quorum_denominator=quorum[1], **fields
    )


def _award_fields(award_model, row: dict) -> dict:
    """The row's award fields the model has (a migration's historical model may predate some, e.g. 0018's
    post_after_vote, which that migration then sets from this file)."""
    names = {field.name for field in award_model._meta.get_fields()}
    return {field: _plain(row[field]) for field in AWARD_FIELDS if field in row and field in names}


def _award(award_model, rule_model, version, row: dict) -> bool:
    """Create the version's award of row["code"] unless it is there; an award without a version whose dates
    start inside the version's (a catalogue loaded before versions existed) joins the version instead."""
    if award_model.objects.filter(rule_version=version, code=row["code"]).exists():
        return False
    dates = {"effective_from": version.effective_from, "effective_to": version.effective_to}
    if version.effective_from is not None:
        legacy = award_model.objects.filter(
            ranges_overlap_q(version.effective_from, version.effective_to),
            rule_version__isnull=True,
            code=row["code"],
            effective_from__gte=version.effective_from,
        ).first()
        if legacy is not None:
            award_model.objects.filter(pk=legacy.pk).update(rule_version=version, **dates)
            return False
        clash = award_model.objects.filter(
            ranges_overlap_q(version.effective_from, version.effective_to), code=row["code"]
        ).first()
        if clash is not None:
            raise ValidationError(
                f"Danh hiệu {row['code']} của phiên bản {version.code} chồng lên một phiên bản khác đã có."
            )
    award = award_model.objects.create(
        rule_version=version,
        code=row["code"],
        **dates,
        **_award_fields(award_model, row),
    )
    _create_rules(rule_model, award, row.get("rules"))
    return True


def _create_rules(rule_model, award, rows) -> None:
    for position, rule in enumerate(rows or []):
        rule_model.objects.create(
            award=award,
            kind=rule["kind"],
            parameters=_plain(rule.get("parameters") or {}),
            severity=rule["severity"],
            description=rule["description"],
            legal_source=rule["legal_source"],
            position=position,
        )


def _load_without_versions(award_model, rule_model, path: Path) -> int:
    """Before migration 0012 (migration 0002's models): every version's awards, dated as their version, without
    the version itself; migration 0015 creates the versions and these awards join theirs by date."""
    created = 0
    for row in catalogue_data(path)["versions"]:
        for award_row in row["awards"]:
            if award_model.objects.filter(
                code=award_row["code"], effective_from=row["effective_from"]
            ).exists():
                continue
            award = award_model.objects.create(
                code=award_row["code"],
                effective_from=row["effective_from"],
                effective_to=row.get("effective_to"),
                **_award_fields(award_model, award_row),
            )
            _create_rules(rule_model, award, award_row.get("rules"))
            created += 1
    return created


def catalogue_load(award_model, rule_model, path: Path = CATALOGUE_FILE) -> int:
    """Create the catalogue's versions and their awards that do not exist yet; returns how many awards were made.

    Existing versions and awards are left alone: once loaded, the Board owns them (rules page, admin)."""
    try:
        version_model = award_model._meta.get_field("rule_version").related_model
    except FieldDoesNotExist:
        return _load_without_versions(award_model, rule_model, path)
    created = 0
    for row in catalogue_data(path)["versions"]:
        version = _version(version_model, row)
        for award_row in row["awards"]:
            created += _award(award_model, rule_model, version, award_row)
    return created
