"""Agenda terms of many subjects at once (councils.registry agenda_terms_many), for the lines that go to a council
in hundreds: a unit's year-end round puts every line of the round on one session of its own council, and the
results of that session are checked against the same terms again.

Each function reads every subject's rows in one query (not one per subject) and gives, in the subjects' order,
the terms the single-subject function gives each (dossiers.unit_round.round_agenda_terms): the same title,
summary, pass rule and legal basis, and the same refusal for the first subject refused.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from councils.registry import AgendaTerms

from .models import UnitRoundLine
from .models.catalogue import AwardRoute
from .rule_versions import citations


def round_line_terms(line: UnitRoundLine, session) -> AgendaTerms:
    """How one round line (its award, rule version, nominee and round's unit loaded) is put to `session`: only the
    unit's own council (kind «unit», of the round's unit) votes on it, on the pass rule of the line's award
    version; a city award never takes this path. The unit is the council's own, so its members are not recused as
    the "proposing unit"."""
    from .unit_round import own_council_refusal, round_line_summary

    if line.award.route != AwardRoute.UNIT_DECIDES:
        raise ValidationError(
            {
                "session": _(
                    "«%(award)s» không do đơn vị quyết định: trình Ban TĐKT thành phố trong hồ sơ đề nghị, "
                    "không xét trong đợt bình xét của đơn vị."
                )
                % {"award": line.award.name}
            }
        )
    if (refusal := own_council_refusal(line.unit_round, session)) is not None:
        raise ValidationError({"session": refusal})
    nominee = line.nominee
    summary = round_line_summary(line)  # a person with their position, a collective with its member figures
    return AgendaTerms(
        # the agenda numbers its items: the row of the imported list goes after the name, not as a second number
        title=_("%(name)s – %(award)s (dòng %(row)d của danh sách)")
        % {"name": nominee.full_name, "award": line.award.name, "row": line.row_number},
        summary=summary,
        threshold=line.award.threshold(),
        # the unit council's minutes cite the legal basis of the award's rule version (dossiers.rule_versions)
        legal_basis=tuple(citations([line.award.rule_version])),
    )


def _loaded(line) -> bool:
    """Whether a line carries its award with the award's rule version, its nominee and its round (what
    round_line_terms reads), so that the terms need not read it again."""
    cls = type(line)
    return (
        isinstance(line, UnitRoundLine)
        and cls.award.is_cached(line)
        and type(line.award).rule_version.is_cached(line.award)
        and cls.nominee.is_cached(line)
        and cls.unit_round.is_cached(line)
    )


def round_agenda_terms_many(*, subjects: list[UnitRoundLine], session) -> list[AgendaTerms]:
    """The agenda terms of many round lines on one session (registered as the round lines' agenda_terms_many): one
    query for all the lines, their awards, rule versions, nominees, rounds and units; the rounds' units read once
    each; none when every line given carries them already (_loaded). A line that no longer exists is asked of the single-subject path (which says so)."""
    from .unit_round import round_agenda_terms

    if all(_loaded(subject) for subject in subjects):
        # the caller's lines came with what the terms read (the submission's lines, just read in this transaction)
        return [round_line_terms(subject, session) for subject in subjects]
    lines = UnitRoundLine.objects.select_related(
        "award__rule_version", "nominee", "unit_round__unit"
    ).in_bulk([subject.pk for subject in subjects])
    rounds: dict[int, object] = {}
    terms = []
    for subject in subjects:
        line = lines.get(subject.pk)
        if line is None:
            terms.append(round_agenda_terms(subject=subject, session=session))
            continue
        # lines of one round share its row, so that its unit is read once
        line.unit_round = rounds.setdefault(line.unit_round_id, line.unit_round)
        terms.append(round_line_terms(line, session))
    return terms
