"""Rule versions (RuleVersion): which version applies to an achievement, no two versions in force at once,
and the Board's edits (a new version copied from another, its fields, its award types and their rules, its
dates), each audited with before/after values.

Which version applies: the one in force on the last day of the achievement period. A dossier's achievements
are those of its `year`, so a line is judged by the version in force on 31 December of that year (2022 →
Decree 91/2017, 2024 → Decree 98/2023, 2025 → Decree 152/2025). The line records it when it is created and
keeps it: a later edit or a new version never changes a line already made.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows import audit
from workflows.config import config_diff, field_values
from workflows.policies import require

from .models.catalogue import AwardType, RuleVersion, ranges_overlap_q


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


def period_end(year: int) -> date:
    """The last day of the achievement period of a dossier of `year` (calendar year)."""
    return date(year, 12, 31)


def version_for_year(year: int) -> RuleVersion | None:
    """The rule version that applies to achievements of `year`; None when no version covers that day."""
    return RuleVersion.objects.effective_on(period_end(year)).first()


def version_overlap_errors(version: RuleVersion) -> dict:
    """{field: message} when `version`'s dates meet another dated version's (one set of rules per day)."""
    if version.effective_from is None:
        return {}
    if version.effective_to is not None and version.effective_to < version.effective_from:
        return {"effective_to": _("Ngày hết hiệu lực phải sau ngày có hiệu lực.")}
    other = (
        RuleVersion.objects.filter(ranges_overlap_q(version.effective_from, version.effective_to))
        .exclude(pk=version.pk)
        .first()
    )
    if other is None:
        return {}
    return {
        "effective_from": _(
            "Thời gian hiệu lực chồng lên phiên bản «%(other)s» (%(start)s – %(end)s): hãy đặt ngày hết hiệu lực "
            "của phiên bản đó trước ngày có hiệu lực của phiên bản này."
        )
        % {"other": other.name, "start": _day(other.effective_from), "end": _day(other.effective_to)}
    }


def award_overlap_errors(award: AwardType) -> dict:
    """{field: message} when another dated version of the same award is in force on a day of `award`'s."""
    if award.effective_from is None or not award.code:
        return {}
    other = (
        AwardType.objects.filter(ranges_overlap_q(award.effective_from, award.effective_to), code=award.code)
        .exclude(pk=award.pk)
        .first()
    )
    if other is None:
        return {}
    return {
        "effective_from": _("«%(award)s» đã có một phiên bản khác có hiệu lực từ %(start)s đến %(end)s.")
        % {"award": other.name, "start": _day(other.effective_from), "end": _day(other.effective_to)}
    }


def awards_for_year(year: int):
    """The award types a line for achievements of `year` may propose: those of the version that applies."""
    version = version_for_year(year)
    return AwardType.objects.filter(rule_version=version) if version else AwardType.objects.none()


def dossier_version(dossier) -> RuleVersion | None:
    """The version a dossier's lines are judged by (recorded on its lines), or the one for its year."""
    line = dossier.lines.exclude(rule_version=None).select_related("rule_version").first()
    return line.rule_version if line is not None else version_for_year(dossier.year)


def _long_date(text: str) -> str:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        return ""
    # Decree 30/2020: a day below 10 and a month below 3 are written with a leading zero
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day_text} tháng {month_text} năm {day.year}"


def citation(act: dict) -> str:
    """One act of a version's legal basis as a "Căn cứ" line says it (without "Căn cứ" and the ";")."""
    kind, number, title = act.get("kind", ""), act.get("number", ""), act.get("title", "")
    when = _long_date(act.get("date", ""))
    if kind == "Luật":
        parts = [title, f"số {number}" if number else "", when]
    else:
        parts = [kind, f"số {number}" if number else "", when, title]
    return " ".join(part for part in parts if part)


def citations(versions) -> list[str]:
    """The "Căn cứ" lines of the versions a document applies (each act once, in the versions' order)."""
    lines = []
    for version in versions:
        for act in (version.legal_basis if version is not None else None) or []:
            text = citation(act)
            if text and text not in lines:
                lines.append(text)
    return lines


def line_versions(dossier, lines) -> list[RuleVersion]:
    """The versions the given lines are judged by (the dossier's when none is recorded)."""
    found = []
    for line in lines:
        if line.rule_version is not None and line.rule_version not in found:
            found.append(line.rule_version)
    return found or [dossier_version(dossier)]


# -- the Board's edits (rules page, dossiers/rules_views.py), each audited with before/after values ---------

VERSION_FIELDS = (
    "name",
    "legal_basis",
    "effective_from",
    "effective_to",
    "quorum_numerator",
    "quorum_denominator",
    "public_notice_days",
    "sla_working_days",
    "reward_multipliers",
    "consultation_agencies",
    "assumptions",
    "note",
)
#: What may still change on a version already applied to a submitted dossier: closing it, notes.
IN_USE_FIELDS = ("effective_to", "assumptions", "note")
AWARD_EDIT_FIELDS = (
    "name",
    "deciding_authority",
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
#: The SLA steps a version sets (RuleVersion.sla_working_days; dossiers.lifecycle.step_working_days).
SLA_STEPS = ("submitted", "accepted", "appraised", "voted", "decided", "decision_after_notice")


def version_in_use(version: RuleVersion) -> bool:
    """A version some submitted dossier's line is judged by: its rules are fixed for that dossier."""
    from .models import DossierNominee

    return DossierNominee.objects.filter(rule_version=version, dossier__submission_count__gt=0).exists()


def locked_refusal(version: RuleVersion | None) -> str:
    """Why the awards and rules of `version` may no longer change ("" when they may): a submitted dossier
    applies it. Asked by the admin (dossiers.admin) and the catalogue services."""
    if version is None or not version_in_use(version):
        return ""
    return _(
        "Phiên bản «%(version)s» đã áp dụng cho hồ sơ đã trình nên danh hiệu, hình thức và điều kiện của nó "
        "không sửa được nữa: hãy tạo phiên bản mới từ phiên bản này trên trang Quy định khen thưởng."
    ) % {"version": version.name}


def catalogue_lock_check(obj) -> None:
    """Refuse a change to an award type or an eligibility rule of a locked version (locked_refusal), judged
    both by the version stored and by the one the object now names (moving out of or into one)."""
    from .models import EligibilityRule

    if isinstance(obj, EligibilityRule):
        award_ids = {obj.award_id}
        if obj.pk:
            award_ids.add(
                EligibilityRule.objects.filter(pk=obj.pk).values_list("award_id", flat=True).first()
            )
        version_ids = set(
            AwardType.objects.filter(pk__in=award_ids - {None}).values_list("rule_version_id", flat=True)
        )
    else:
        version_ids = {obj.rule_version_id}
        if obj.pk:
            version_ids.add(
                AwardType.objects.filter(pk=obj.pk).values_list("rule_version_id", flat=True).first()
            )
    for version in RuleVersion.objects.filter(pk__in=version_ids - {None}).order_by("pk"):
        message = locked_refusal(version)
        if message:
            raise ValidationError(message)


def _in_use_refusal(version: RuleVersion, fields) -> None:
    locked = sorted(set(fields) - set(IN_USE_FIELDS))
    if locked and version_in_use(version):
        message = _(
            "Phiên bản «%(version)s» đã áp dụng cho hồ sơ đã trình nên không sửa được nữa: hãy tạo phiên bản mới "
            "từ phiên bản này, sửa và đặt ngày có hiệu lực."
        ) % {"version": version.name}
        raise ValidationError({locked[0]: message})


def _actor(user, client_ip):
    from .policies import may_edit_rules

    return require(may_edit_rules, audit.Actor(user=user, client_ip=client_ip))


@transaction.atomic
def version_update(*, version: RuleVersion, user, client_ip=None, **changes) -> RuleVersion:
    """Change a version's fields (and its awards' dates with its own); refused while another version is in
    force on one of its days, or, for all but its end date and notes, once a submitted dossier applies it."""
    actor = _actor(user, client_ip)
    unknown = sorted(set(changes) - set(VERSION_FIELDS))
    if unknown:
        raise ValidationError({name: _("Trường này không sửa được.") for name in unknown})
    version = RuleVersion.objects.select_for_update().get(pk=version.pk)
    before = field_values(version)
    for name, value in changes.items():
        setattr(version, name, value)
    after_candidate = field_values(version)
    changed = config_diff(before, after_candidate)
    if not changed:
        return version
    _in_use_refusal(version, changed)
    if version.effective_from is None and version.effective_to is not None:
        raise ValidationError({"effective_from": _("Hãy nhập ngày có hiệu lực trước ngày hết hiệu lực.")})
    version.full_clean()
    awards = list(AwardType.objects.select_for_update().filter(rule_version=version))
    for award in awards:
        award.effective_from, award.effective_to = version.effective_from, version.effective_to
        errors = award_overlap_errors(award)
        if errors:
            raise ValidationError(errors)
    version.save()
    AwardType.objects.filter(rule_version=version).update(
        effective_from=version.effective_from, effective_to=version.effective_to
    )
    audit.record(
        subject=version,
        actor=actor,
        verb="rule_version_update",
        data={"version": version.code, "changes": config_diff(before, field_values(version))},
    )
    return version


@transaction.atomic
def award_update(*, award: AwardType, user, client_ip=None, **changes) -> AwardType:
    """Change an award of a version (thresholds, documents, notice days…); refused once the version is in use."""
    actor = _actor(user, client_ip)
    unknown = sorted(set(changes) - set(AWARD_EDIT_FIELDS))
    if unknown:
        raise ValidationError({name: _("Trường này không sửa được.") for name in unknown})
    # the award's row only: PostgreSQL locks no row on the nullable side of the outer join to its version
    award = AwardType.objects.select_for_update(of=("self",)).select_related("rule_version").get(pk=award.pk)
    before = field_values(award)
    for name, value in changes.items():
        setattr(award, name, value)
    award.full_clean()
    award.save()
    changed = config_diff(before, field_values(AwardType.objects.get(pk=award.pk)))
    if not changed:
        return award
    if award.rule_version is not None:
        _in_use_refusal(award.rule_version, changed)
    audit.record(
        subject=award.rule_version or award,
        actor=actor,
        verb="rule_award_update",
        data={"award": award.code, "changes": changed},
    )
    return award


#: What the Board changes on an eligibility rule of a version (its kind and place stay).
RULE_EDIT_FIELDS = ("description", "severity", "legal_source", "parameters")


def _same_shape(before, after) -> bool:
    """`after` keeps the shape eligibility reads from `before`: the same keys, numbers for numbers, text for text;
    a list of plain values may change length, a list of conditions may not."""
    if isinstance(before, bool) or isinstance(after, bool):
        return isinstance(before, bool) and isinstance(after, bool)
    if isinstance(before, int | float):
        return isinstance(after, int | float) and after >= 0
    if isinstance(before, str):
        return isinstance(after, str) and bool(after.strip())
    if isinstance(before, dict):
        return (
            isinstance(after, dict)
            and set(after) == set(before)
            and all(_same_shape(before[key], after[key]) for key in before)
        )
    if isinstance(before, list):
        if not isinstance(after, list):
            return False
        if all(not isinstance(item, dict | list) for item in before) and before:
            return bool(after) and all(_same_shape(before[0], item) for item in after)
        return len(after) == len(before) and all(
            _same_shape(b, a) for b, a in zip(before, after, strict=True)
        )
    return before == after


@transaction.atomic
def eligibility_rule_update(*, rule, user, client_ip=None, **changes):
    """Change an eligibility rule of a version (its wording, severity, legal source or the figures of its
    parameters, keeping their shape); refused once the version is in use; audited with before/after values."""
    from .models import EligibilityRule

    actor = _actor(user, client_ip)
    unknown = sorted(set(changes) - set(RULE_EDIT_FIELDS))
    if unknown:
        raise ValidationError({name: _("Trường này không sửa được.") for name in unknown})
    rule = (
        EligibilityRule.objects.select_for_update(of=("self",))
        .select_related("award__rule_version")
        .get(pk=rule.pk)
    )
    if "parameters" in changes and not _same_shape(rule.parameters, changes["parameters"]):
        raise ValidationError(
            {
                "parameters": _(
                    "Chỉ sửa được giá trị của các tham số (số, chữ, danh sách mã), giữ nguyên tên và cấu trúc "
                    "của chúng: %(shape)s."
                )
                % {"shape": ", ".join(sorted(rule.parameters)) or "—"}
            }
        )
    before = field_values(rule)
    for name, value in changes.items():
        setattr(rule, name, value)
    changed = config_diff(before, field_values(rule))
    if not changed:
        return rule
    version = rule.award.rule_version
    if version is not None:
        _in_use_refusal(version, changed)
    rule.full_clean()
    rule.save()
    audit.record(
        subject=version or rule.award,
        actor=actor,
        verb="rule_eligibility_update",
        data={"award": rule.award.code, "condition": rule.description[:200], "changes": changed},
    )
    return rule


@transaction.atomic
def version_copy(*, source: RuleVersion, code: str, name: str, user, client_ip=None) -> RuleVersion:
    """A new draft version (no effective date yet) copied from `source`: its values, awards and their rules."""

    actor = _actor(user, client_ip)
    version = RuleVersion(
        code=code,
        name=name,
        **{
            field: getattr(source, field)
            for field in VERSION_FIELDS
            if field not in ("name", "effective_from", "effective_to")
        },
    )
    version.full_clean()
    version.save()
    awards = rules = 0
    for award in AwardType.objects.filter(rule_version=source).prefetch_related("rules", "quotas"):
        award_rules = list(award.rules.all())
        award_quotas = list(award.quotas.all())  # its quotas (AwardQuota, dossiers.unit_round) go with it
        award.pk = None
        award.rule_version = version
        award.effective_from = award.effective_to = None
        award.save()
        awards += 1
        for rule in award_rules:
            rule.pk = None
            rule.award = award
            rule.save()
            rules += 1
        for quota in award_quotas:
            quota.pk = None
            quota.award = award
            quota.save()
    audit.record(
        subject=version,
        actor=actor,
        verb="rule_version_copy",
        data={
            "version": version.code,
            "copied_from": source.code,
            "awards": awards,
            "rules": rules,
            "changes": config_diff({}, field_values(version)),
        },
    )
    return version
