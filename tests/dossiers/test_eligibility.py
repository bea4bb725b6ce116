"""Each eligibility rule of DOMAIN.md §2, as shipped in the catalogue, with a passing and a failing case."""

import pytest

from dossiers.eligibility import blocking_errors, evaluate
from dossiers.models import DossierNominee
from tests.factories import (
    AwardRecordFactory,
    InitiativeRecognitionFactory,
    NomineeFactory,
    YearlyRatingFactory,
)

from .helpers import YEAR
from .helpers import award as award_of_year

#: The rules this file checks are the current law's (Luật TĐKT 2022, NĐ 152/2025): the version for 2025.
CURRENT_LAW_YEAR = 2025


def award(code):
    return award_of_year(code, year=CURRENT_LAW_YEAR)


pytestmark = pytest.mark.django_db


def person(**fields):
    return NomineeFactory(**fields)


def titles(nominee, code, *years):
    for year in years:
        AwardRecordFactory(nominee=nominee, award=award(code), year=year)


def ratings(nominee, **by_year):
    for year, rating in by_year.items():
        YearlyRatingFactory(nominee=nominee, year=int(year[1:]), rating=rating)


def errors(nominee, code, line=None):
    return blocking_errors(nominee, award(code), YEAR, line)


def test_advanced_worker_needs_a_good_rating():
    good, average = person(), person()
    ratings(good, y2023="HTT")
    ratings(average, y2023="HT")
    assert errors(good, "ldtt") == []
    [message] = errors(average, "ldtt")
    assert "năm 2023 xếp loại HT" in message and "Luật TĐKT 2022, Điều 24" in message


def test_grassroots_fighter_needs_excellence_or_an_initiative():
    excellent, innovator, plain = person(), person(), person()
    ratings(excellent, y2023="HTXS")
    ratings(innovator, y2023="HTT")
    InitiativeRecognitionFactory(nominee=innovator, scope="grassroots", year=YEAR)
    ratings(plain, y2023="HTT")
    assert errors(excellent, "cstdcs") == []
    assert errors(innovator, "cstdcs") == []
    [message] = errors(plain, "cstdcs")
    assert "Hoàn thành xuất sắc nhiệm vụ hoặc có sáng kiến" in message and "Điều 22" in message


def test_pending_discipline_or_complaint_holds_the_nominee():
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dossiers.models import NomineeHold

    held = person()
    NomineeHold.objects.create(
        nominee=held,
        kind="inspection",
        starts_on=timezone.localdate() - timedelta(days=3),
        source_document="Kết luận thanh tra số 7/KL-TTr",
        created_by=get_user_model().objects.create(username="board.recorder"),
    )
    ratings(held, y2023="HTXS")
    [message] = errors(held, "cstdcs")
    assert "Thanh tra, kiểm tra (Kết luận thanh tra số 7/KL-TTr" in message and "NĐ 152/2025/NĐ-CP" in message


def test_city_emulation_fighter_needs_three_consecutive_grassroots_titles_and_a_city_initiative():
    ok, gap, small_initiative = person(), person(), person()
    titles(ok, "cstdcs", 2021, 2022, 2023)
    InitiativeRecognitionFactory(nominee=ok, scope="city", year=2022)
    titles(gap, "cstdcs", 2020, 2022, 2023)
    InitiativeRecognitionFactory(nominee=gap, scope="state", year=2023)
    titles(small_initiative, "cstdcs", 2020, 2021, 2022)
    InitiativeRecognitionFactory(nominee=small_initiative, scope="grassroots", year=2023)
    assert errors(ok, "cstd-tp") == []
    [message] = errors(gap, "cstd-tp")
    assert "đạt 2/3 năm liên tục Chiến sĩ thi đua cơ sở" in message
    [message] = errors(small_initiative, "cstd-tp")  # the run ending the year before counts
    assert "có 0/1 sáng kiến" in message


def test_national_emulation_fighter_needs_two_consecutive_city_titles_and_national_scope():
    ok, broken = person(), person()
    titles(ok, "cstd-tp", 2022, 2023)
    InitiativeRecognitionFactory(nominee=ok, scope="state", year=2023)
    titles(broken, "cstd-tp", 2020, 2023)
    InitiativeRecognitionFactory(nominee=broken, scope="city", year=2023)
    assert errors(ok, "cstd-tq") == []
    assert len(errors(broken, "cstd-tq")) == 2


def test_city_certificate_by_two_grassroots_titles_or_two_excellent_years_with_two_initiatives():
    titled, excellent, one_initiative = person(), person(), person()
    titles(titled, "cstdcs", 2022, 2023)
    ratings(excellent, y2022="HTXS", y2023="HTXS")
    InitiativeRecognitionFactory(nominee=excellent, scope="grassroots", year=2022)
    InitiativeRecognitionFactory(nominee=excellent, scope="grassroots", year=2023)
    ratings(one_initiative, y2022="HTXS", y2023="HTXS")
    InitiativeRecognitionFactory(nominee=one_initiative, scope="grassroots", year=2023)
    assert errors(titled, "bk-tp") == []
    assert errors(excellent, "bk-tp") == []
    [message] = errors(one_initiative, "bk-tp")
    assert "có 1/2 sáng kiến" in message and "Điều 74 khoản 1 điểm d" in message


def test_one_achievement_one_award_is_a_warning_not_a_block():
    nominee = person()
    titles(nominee, "cstdcs", 2022, 2023)
    titles(nominee, "bk-tp", 2023)
    outcomes = evaluate(nominee, award("bk-tp"), YEAR)
    [warning] = [o for o in outcomes if o.warning]
    assert "đã được Bằng khen của Chủ tịch UBND thành phố năm 2023" in warning.detail
    assert errors(nominee, "bk-tp") == []


def test_prime_minister_certificate_needs_a_city_certificate_five_good_years_and_three_grassroots_titles():
    ok = person()
    titles(ok, "bk-tp", 2021)
    titles(ok, "cstdcs", 2019, 2021, 2023)
    ratings(ok, y2019="HTT", y2020="HTT", y2021="HTXS", y2022="HTT", y2023="HTT")
    assert errors(ok, "bk-ttg") == []
    short = person()
    titles(short, "bk-tp", 2021)
    titles(short, "cstdcs", 2021, 2022)
    ratings(short, y2019="HT", y2020="HTT", y2021="HTT", y2022="HTT", y2023="HTT")
    messages = " ".join(errors(short, "bk-ttg"))
    assert "4/5 năm liên tục" in messages and "2/3 lần Chiến sĩ thi đua cơ sở trong 5 năm" in messages
    never = person()
    titles(never, "cstdcs", 2019, 2021, 2023)
    ratings(never, **{f"y{y}": "HTT" for y in range(2019, 2024)})
    [message] = errors(never, "bk-ttg")
    assert "chưa được Bằng khen của Chủ tịch UBND thành phố" in message


def test_labour_order_third_class_needs_one_excellent_year():
    ok, no_excellence = person(), person()
    for nominee in (ok, no_excellence):
        titles(nominee, "bk-ttg", 2020)
        titles(nominee, "cstdcs", 2019, 2021, 2023)
    ratings(ok, y2019="HTT", y2020="HTT", y2021="HTT", y2022="HTXS", y2023="HTT")
    ratings(no_excellence, **{f"y{y}": "HTT" for y in range(2019, 2024)})
    assert errors(ok, "hcld-3") == []
    [message] = errors(no_excellence, "hcld-3")
    assert "0/1 năm HTXS" in message


def line(**figures):
    return DossierNominee(**figures)


def test_advanced_collective_needs_more_than_half_advanced_and_no_discipline():
    team = person(kind="collective", full_name="Phòng Nội vụ")
    assert errors(team, "ttldtt", line(members_total=20, members_advanced=11, members_disciplined=0)) == []
    [message] = errors(team, "ttldtt", line(members_total=20, members_advanced=10, members_disciplined=0))
    assert "10/20 = 50,0 %" in message
    [message] = errors(team, "ttldtt", line(members_total=20, members_advanced=15, members_disciplined=1))
    assert "kỷ luật" in message


def test_excellent_collective_ratios():
    team = person(kind="collective", full_name="Phòng Tư pháp")
    good = {
        "members_total": 10,
        "members_completed": 10,
        "members_advanced": 7,
        "members_grassroots_fighters": 1,
        "members_disciplined": 0,
    }
    assert errors(team, "ttldxs", line(**good)) == []
    assert len(errors(team, "ttldxs", line(**{**good, "members_advanced": 6}))) == 1
    assert len(errors(team, "ttldxs", line(**{**good, "members_completed": 9}))) == 1
    assert len(errors(team, "ttldxs", line(**{**good, "members_grassroots_fighters": 0}))) == 1
    assert len(errors(team, "ttldxs", line())) == 4  # nothing declared


def test_government_flag_needs_the_city_flag():
    leader, other = person(kind="collective"), person(kind="collective")
    titles(leader, "co-thi-dua-tp", 2023)
    assert errors(leader, "co-thi-dua-cp") == []
    assert len(errors(other, "co-thi-dua-cp")) == 1


def test_award_for_the_wrong_kind_of_nominee_is_refused():
    [message] = errors(person(), "ttldtt", line(members_total=1, members_advanced=1, members_disciplined=0))
    assert "không dành cho đối tượng «Cá nhân»" in message
    assert errors(person(kind="household"), "gia-dinh-van-hoa") == []


def test_a_version_out_of_force_is_not_offered(cast):
    from datetime import date

    from dossiers import services
    from dossiers.models import AwardType

    # the NĐ 152/2025 version of the award is not offered for achievements of 2023 (NĐ 91/2017 applies)
    old = award("cstd-tp")
    assert old not in AwardType.objects.effective_on(date(2023, 6, 1))
    assert old in AwardType.objects.effective_on(date(2025, 7, 1))
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Cũ", user=cast.officer
    )
    with pytest.raises(Exception) as error:
        services.line_add(
            dossier=dossier,
            nominee=person(unit=cast.unit),
            award=old,
            achievement_report="x",
            user=cast.officer,
        )
    assert "không áp dụng cho thành tích năm 2023" in str(error.value)
