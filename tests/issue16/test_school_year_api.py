"""Consecutive years on the sector's rating calendar (issue 16, DOMAIN.md §2): through the API, the eligibility
of a school's teacher counts school years (2021–2022, 2022–2023) as consecutive and says so, and a school year
missing breaks the streak with the count."""

import pytest

from organisations.models import RatingCalendar
from tests.dossiers.helpers import YEAR, award
from tests.factories import AwardRecordFactory, NomineeFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _titles(nominee, *years):
    for year in years:
        AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=year, calendar="school_year")


def _chain(api, cast, nominee):
    answer = api(cast.board).get(f"/api/v1/awards/{award('bk-tp').pk}/eligibility/{nominee.pk}/?year={YEAR}")
    assert answer.status_code == 200, answer.content
    return answer.json()["rules"]


def test_the_eligibility_api_counts_consecutive_school_years(cast, api):
    school = UnitFactory(name="Trường THPT Châu Văn Liêm", rating_calendar=RatingCalendar.SCHOOL_YEAR)
    streak, gap = NomineeFactory(unit=school), NomineeFactory(unit=school)
    _titles(streak, YEAR - 1, YEAR)
    _titles(gap, YEAR - 2, YEAR)
    rules = _chain(api, cast, streak)
    assert all(rule["passed"] for rule in rules)
    assert any(
        "2/2 năm học liên tục Chiến sĩ thi đua cơ sở (2021–2022 đến 2022–2023)" in r["detail"] for r in rules
    )
    [refused] = [rule for rule in _chain(api, cast, gap) if not rule["passed"]]
    assert "1/2 năm học liên tục Chiến sĩ thi đua cơ sở" in refused["detail"]
