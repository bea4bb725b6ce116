"""The contract between council sessions and the things they vote on (dossier nominees, initiatives).

The councils app knows nothing of dossiers or initiatives. An agenda item points at any model instance
(its "subject"); the app owning that model registers, in its AppConfig.ready(), both how the subject is put
to a council and what happens when the council's result for it is issued:

    from councils.registry import register_subject
    register_subject(Nominee, agenda_terms=nominee_agenda_terms, on_result=nominee_record_council_result)

agenda_terms(subject=..., session=Session) -> AgendaTerms gives the item's title, summary, pass rule
(Threshold), proposing unit and recused users from the subject's own rules (e.g. the award's rule version),
and raises ValidationError (or engine.ActionForbidden) when the session's council is not the one the
subject's route names. The item's threshold, base, proposing unit and recusals come only from here, never
from a request (councils.services.agenda_subject_add). When the result is issued, the terms are read again
and the result is pushed only if the item still carries them.

on_result(subject=..., result=ItemResult, actor=workflows.audit.Actor) runs inside the transaction that
issues the session's resolution, and must change state only through workflows.engine. An app whose subjects come
in hundreds to one session (a unit's year-end round) may also register on_results(pairs=[(subject, ItemResult)],
actor=...): its subjects' results are then delivered in one call, after each item's terms are checked again.
Such an app may also register agenda_terms_many(subjects=[...], session=Session) -> [AgendaTerms]: the terms of
many subjects in a fixed number of queries, in the subjects' order, the same terms agenda_terms gives each one and
the same refusal (of the first subject refused); councils.services uses it when many subjects go on one session
or have their results delivered at once (agenda_terms_of).

An app may also register, with register_lock_check(model, lock_refusals), a check asked again when the agenda
is locked: lock_refusals(subject=..., session=Session) -> list[str] says why the subject may not be voted on now
(its public notice has not run its course, a hold is in force…); the lock is refused with those reasons
(councils.lifecycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from workflows.engine import TransitionNotAllowed
from workflows.policies import ActionForbidden


class ThresholdBase(models.TextChoices):
    TOTAL_MEMBERS = "total_members", "Tổng số thành viên hội đồng"
    PRESENT = "present", "Số thành viên có mặt"
    VOTES_CAST = "votes_cast", "Số phiếu hợp lệ"


@dataclass(frozen=True)
class Threshold:
    """Pass rule for one agenda item: agree votes must reach `percent` of the base (≥, or > if strict).

    `ratio` (e.g. (2, 3)) states a fraction exactly where a percent cannot ("≥ 2/3"); it then wins over
    `percent`, which is kept for display. Comparisons are exact integer arithmetic, never rounded.
    """

    percent: Decimal
    base: str = ThresholdBase.TOTAL_MEMBERS
    strict: bool = False
    secret_ballot: bool = True
    written_votes_allowed: bool = True
    ratio: tuple[int, int] | None = None


@dataclass(frozen=True)
class ItemResult:
    passed: bool
    agree: int
    disagree: int
    abstain: int
    base_count: int
    explanation: str  # e.g. "15/21 đồng ý = 71,4 % ≥ 70 % → đạt"
    session_id: int
    item_id: int


@dataclass(frozen=True)
class AgendaTerms:
    """How one subject is put to a council, read from the subject's rules by its own app."""

    title: str
    threshold: Threshold
    summary: str = ""
    proposing_unit: Any = None  # organisations.Unit whose members do not vote on the item
    nominee_user: Any = None  # the user the item is about (does not vote on it)
    recused_users: tuple = ()  # other users who must not vote on it (e.g. an initiative's authors)
    #: the legal acts of the rules the subject is judged by, as "Căn cứ" lines say them (without "Căn cứ"):
    #: kept on the item and cited by the minutes (councils.documents)
    legal_basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubjectContract:
    agenda_terms: Callable[..., AgendaTerms]
    on_result: Callable[..., None]
    #: what the API calls the subject ("dossier_line", "initiative") and the URL name of its API detail
    #: ("dossier-line-detail"), so that an agenda item names its subject as {kind, id, url}
    kind: str = ""
    api_route: str = ""
    #: optional: the results of many subjects of this model in one call (see the module's docstring)
    on_results: Callable[..., None] | None = None
    #: optional: the agenda terms of many subjects of this model at once (see the module's docstring)
    agenda_terms_many: Callable[..., list[AgendaTerms]] | None = None


_CONTRACTS: dict[type[models.Model], SubjectContract] = {}


def register_subject(
    model: type[models.Model],
    *,
    agenda_terms: Callable[..., AgendaTerms],
    on_result: Callable[..., None],
    kind: str = "",
    api_route: str = "",
    on_results: Callable[..., None] | None = None,
    agenda_terms_many: Callable[..., list[AgendaTerms]] | None = None,
) -> None:
    _CONTRACTS[model] = SubjectContract(
        agenda_terms=agenda_terms,
        on_result=on_result,
        kind=kind,
        api_route=api_route,
        on_results=on_results,
        agenda_terms_many=agenda_terms_many,
    )


def agenda_terms_of(contract: SubjectContract, subjects: list, session) -> list[AgendaTerms]:
    """The agenda terms of `subjects` (one model, one session), in their order: the contract's agenda_terms_many
    when it registered one (a fixed number of queries), else agenda_terms for each. When the batch refuses, each
    subject's own agenda_terms is asked in order, so that the refusal raised is exactly the one-by-one path's."""
    subjects = list(subjects)
    if contract.agenda_terms_many is not None and len(subjects) > 1:
        try:
            terms = list(contract.agenda_terms_many(subjects=subjects, session=session))
        except (ValidationError, TransitionNotAllowed, ActionForbidden):
            pass  # the one-by-one path below raises the refusal it would have raised
        else:
            if len(terms) != len(subjects):
                raise RuntimeError("agenda_terms_many gave a different number of terms than of subjects")
            return terms
    return [contract.agenda_terms(subject=subject, session=session) for subject in subjects]


def subject_reference(model: type[models.Model] | None, subject_id) -> dict | None:
    """An agenda item's subject as the API gives it: {"kind", "id", "url"}, the kind and the URL as the owning
    app registered them (an unregistered model: its label, and no URL)."""
    if model is None or subject_id is None:
        return None
    from django.urls import NoReverseMatch, reverse

    contract = _CONTRACTS.get(model)
    kind = (contract.kind if contract else "") or model._meta.label_lower
    url = None
    if contract and contract.api_route:
        try:
            url = reverse(contract.api_route, args=[subject_id])
        except NoReverseMatch:
            url = None
    return {"kind": kind, "id": int(subject_id), "url": url}


_LOCK_CHECKS: dict[type[models.Model], Callable[..., list[str]]] = {}
_LOCK_CHECKS_MANY: dict[type[models.Model], Callable[..., list[str]]] = {}


def register_lock_check(
    model: type[models.Model],
    lock_refusals: Callable[..., list[str]],
    lock_refusals_many: Callable[..., list[str]] | None = None,
) -> None:
    """`lock_refusals(subject=, session=)` for one subject; `lock_refusals_many(subjects=, session=)`, when
    given, answers for all of a session's subjects of that kind at once (the same messages, in the subjects'
    order), so that locking a round's hundreds of lines reads their records in a fixed number of queries."""
    _LOCK_CHECKS[model] = lock_refusals
    if lock_refusals_many is not None:
        _LOCK_CHECKS_MANY[model] = lock_refusals_many


def lock_refusals(items) -> list[str]:
    """Why the subjects of agenda `items` may not be voted on now, from their apps' registered lock checks, in
    agenda order. Only the subjects of a kind with a lock check are read, one query per kind (not one per item:
    a year-end round puts hundreds of lines on one session)."""
    from django.contrib.contenttypes.models import ContentType

    items = list(items)
    subjects: dict[int, models.Model] = {}
    by_type: dict[int, list] = {}
    for item in items:
        if item.subject_type_id:
            by_type.setdefault(item.subject_type_id, []).append(item)
    for type_id, typed in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model not in _LOCK_CHECKS:
            continue
        key = model._meta.pk.to_python
        loaded = model._base_manager.in_bulk([key(item.subject_id) for item in typed])
        for item in typed:
            if (subject := loaded.get(key(item.subject_id))) is not None:
                subjects[item.pk] = subject
    found: list[str] = []
    batched: set[type[models.Model]] = set()
    for item in items:
        if (subject := subjects.get(item.pk)) is None:
            continue
        model = type(subject)
        many = _LOCK_CHECKS_MANY.get(model)
        if many is None:
            found += _LOCK_CHECKS[model](subject=subject, session=item.session)
        elif model not in batched:  # at the kind's first item: all of its subjects, in agenda order
            batched.add(model)
            of_kind = [subjects[other.pk] for other in items if type(subjects.get(other.pk)) is model]
            found += many(subjects=of_kind, session=item.session)
    return found


def unregister_subject(model: type[models.Model]) -> None:
    _CONTRACTS.pop(model, None)


def contract_for(subject: models.Model) -> SubjectContract | None:
    return _CONTRACTS.get(type(subject))


def handler_for(subject: models.Model) -> Callable[..., None] | None:
    contract = contract_for(subject)
    return contract.on_result if contract else None


def terms_differences(item, terms: AgendaTerms) -> list[str]:
    """Names of the pass-rule fields in which the stored agenda item differs from the subject's terms."""
    ratio = terms.threshold.ratio
    expected = {
        "threshold_percent": Decimal(terms.threshold.percent).quantize(Decimal("0.001")),
        "threshold_numerator": ratio[0] if ratio else None,
        "threshold_denominator": ratio[1] if ratio else None,
        "threshold_base": terms.threshold.base,
        "threshold_strict": terms.threshold.strict,
        "written_votes_allowed": terms.threshold.written_votes_allowed,
        "proposing_unit_id": getattr(terms.proposing_unit, "pk", None),
        "nominee_user_id": getattr(terms.nominee_user, "pk", None),
    }
    return [name for name, value in expected.items() if getattr(item, name) != value]
