"""Working days with Vietnamese public holidays, across Tết."""

from datetime import date

from workflows.calendar import add_working_days, is_working_day, working_days_between


def test_tet_2023_days_are_not_working_days():
    # Tết Quý Mão: the government gave 20–26 January 2023 off.
    for day in range(20, 27):
        assert not is_working_day(date(2023, 1, day)), day
    assert is_working_day(date(2023, 1, 19))
    assert is_working_day(date(2023, 1, 27))


def test_adding_working_days_skips_tet_and_weekends():
    # Thursday 19 Jan 2023 + 1 working day → Friday 27 Jan (Tết holiday in between).
    assert add_working_days(date(2023, 1, 19), 1) == date(2023, 1, 27)
    # 10 working days from 16 Jan 2023 (Mon): 17,18,19 then 27, 30, 31, 1, 2, 3, 6 Feb.
    assert add_working_days(date(2023, 1, 16), 10) == date(2023, 2, 6)


def test_subtracting_working_days():
    assert add_working_days(date(2023, 1, 27), -1) == date(2023, 1, 19)


def test_weekend_and_national_day():
    assert not is_working_day(date(2023, 9, 2))  # Quốc khánh (Saturday)
    assert not is_working_day(date(2023, 5, 1))  # Quốc tế lao động
    assert not is_working_day(date(2023, 4, 29))  # Saturday, Giải phóng miền Nam
    assert add_working_days(date(2023, 4, 28), 1) == date(2023, 5, 4)  # 1–3 May 2023 off


def test_working_days_between_counts_both_ways():
    assert working_days_between(date(2023, 1, 19), date(2023, 1, 27)) == 1
    assert working_days_between(date(2023, 1, 27), date(2023, 1, 19)) == -1
    assert working_days_between(date(2023, 2, 6), date(2023, 2, 6)) == 0
