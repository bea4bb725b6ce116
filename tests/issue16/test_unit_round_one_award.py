"""One achievement, one award in the unit's own round (issue 16, DOMAIN.md §2): a person the unit already put
in another round of the same year, or on a city dossier's line, for the same award is refused by row when the
list is imported, through the service and the API, and nothing of the file is written; a withdrawn round holds
nothing."""

import pytest

from dossiers import services
from dossiers import unit_round as rounds
from dossiers.models import Nominee, RoundState, UnitRoundLine
from tests.dossiers.test_unit_round import YEAR, award, new_round, person_row, workbook
from workflows import engine
from workflows.audit import Actor

pytestmark = pytest.mark.django_db


def _import(cast, unit_round, rows):
    return rounds.round_import(
        unit_round=unit_round, rows=rounds.read_rows(workbook(rows)), actor=Actor(user=cast.officer)
    )


def test_a_person_in_another_round_of_the_year_is_refused_by_row(cast, api):
    first = new_round(cast)
    [held] = _import(cast, first, [person_row(1)])
    second = new_round(cast)
    with pytest.raises(rounds.RoundImportRefused) as refused:
        _import(cast, second, [person_row(2), person_row(1)])
    assert refused.value.messages == [
        f"Dòng 3: {held.nominee.full_name} đã có trong đợt bình xét số {first.pk} của năm {YEAR}."
    ]
    assert not second.lines.exists() and Nominee.objects.filter(cccd=person_row(2)[1]).count() == 0
    answer = api(cast.officer).post(
        f"/api/v1/unit-rounds/{second.pk}/import/", {"file": workbook([person_row(2), person_row(1)])}
    )
    assert answer.status_code == 400 and answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["rows"] == [
        f"Dòng 3: {held.nominee.full_name} đã có trong đợt bình xét số {first.pk} của năm {YEAR}."
    ]
    assert not second.lines.exists()
    # another award for the same person is another achievement
    assert [
        line.award.code for line in _import(cast, second, [person_row(1, award="CSTĐCS", rating="HTXS")])
    ] == ["cstdcs"]


def test_a_withdrawn_round_holds_nothing(cast, api):
    first = new_round(cast)
    _import(cast, first, [person_row(1)])
    engine.perform(first, "withdraw", user=cast.officer, data={"comment": "Lập nhầm đợt"})
    first.refresh_from_db()
    assert first.state == RoundState.WITHDRAWN
    second = new_round(cast)
    answer = api(cast.officer).post(
        f"/api/v1/unit-rounds/{second.pk}/import/", {"file": workbook([person_row(1)])}
    )
    assert answer.status_code == 201 and answer.json() == {"created": 1}
    assert UnitRoundLine.objects.filter(nominee__cccd=person_row(1)[1]).count() == 2


def test_a_person_proposed_on_a_city_dossier_is_refused_in_the_round(cast):
    unit_round = new_round(cast)
    [line] = _import(cast, unit_round, [person_row(1)])
    nominee = line.nominee
    engine.perform(unit_round, "withdraw", user=cast.officer, data={"comment": "Làm lại"})
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị khen thưởng", user=cast.officer
    )
    services.line_add(
        dossier=dossier, nominee=nominee, award=award("ldtt"), achievement_report="x", user=cast.officer
    )
    again = new_round(cast)
    with pytest.raises(rounds.RoundImportRefused) as refused:
        _import(cast, again, [person_row(1)])
    assert refused.value.messages == [
        f"Dòng 2: {nominee.full_name} đã được đề nghị trong hồ sơ số {dossier.pk}."
    ]
    assert not again.lines.exists()
