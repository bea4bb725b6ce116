"""Exact vote arithmetic, without a database: each threshold one vote below, exactly at, one vote above."""

from decimal import Decimal

import pytest

from councils.thresholds import evaluate, format_decimal, quorum_explanation, reaches


@pytest.mark.parametrize(("agree", "passed"), [(17, False), (18, True), (19, True)])
def test_ninety_percent_of_total_members_at_the_boundary(agree, passed):
    """≥ 90 % of 20 members: 18 is exactly 90 %."""
    assert evaluate(agree=agree, base=20, percent=Decimal("90")).passed is passed


def test_ninety_percent_of_twenty_one_needs_nineteen():
    assert (
        evaluate(agree=18, base=21, percent=Decimal("90")).explanation
        == "18/21 đồng ý = 85,7 % < 90 % → không đạt"
    )
    assert (
        evaluate(agree=19, base=21, percent=Decimal("90")).explanation == "19/21 đồng ý = 90,5 % ≥ 90 % → đạt"
    )


@pytest.mark.parametrize(("agree", "passed"), [(13, False), (14, True), (15, True)])
def test_two_thirds_as_an_exact_ratio(agree, passed):
    """≥ 2/3 of 21: 14 is exactly 2/3, which no decimal percent expresses."""
    assert evaluate(agree=agree, base=21, percent=Decimal("66.67"), ratio=(2, 3)).passed is passed


def test_two_thirds_exactly_is_shown_without_contradiction():
    assert evaluate(agree=14, base=21, percent=Decimal("66.67"), ratio=(2, 3)).explanation == (
        "14/21 đồng ý = 66,7 % ≥ 2/3 → đạt"
    )
    assert evaluate(agree=13, base=21, ratio=(2, 3), percent=Decimal("66.67")).explanation == (
        "13/21 đồng ý = 61,9 % < 2/3 → không đạt"
    )


@pytest.mark.parametrize(("agree", "passed"), [(9, False), (10, False), (11, True)])
def test_more_than_half_a_tie_is_not_a_majority(agree, passed):
    """> 50 % of 20: 10 is exactly half, a tie, and fails."""
    assert evaluate(agree=agree, base=20, percent=Decimal("50"), strict=True).passed is passed


def test_strict_majority_explanation_at_the_tie():
    assert evaluate(agree=10, base=20, percent=Decimal("50"), strict=True).explanation == (
        "10/20 đồng ý = 50,0 % ≤ 50 % → không đạt"
    )


def test_issue_example_is_reproduced_exactly():
    assert (
        evaluate(agree=15, base=21, percent=Decimal("70")).explanation == "15/21 đồng ý = 71,4 % ≥ 70 % → đạt"
    )


def test_rounding_never_contradicts_the_verdict():
    """699/1000 = 69,9 %; 6999/10000 = 69,99 % would round to 70,0 % but fails ≥ 70 %."""
    verdict = evaluate(agree=6999, base=10000, percent=Decimal("70"))
    assert not verdict.passed
    assert verdict.explanation == "6999/10000 đồng ý = 69,9 % < 70 % → không đạt"


def test_fractional_percent_is_compared_exactly():
    assert reaches(2, 3, percent=Decimal("66.666")) and not reaches(2, 3, percent=Decimal("66.667"))


def test_empty_base_never_passes():
    verdict = evaluate(agree=0, base=0, percent=Decimal("50"))
    assert not verdict.passed and "không đạt" in verdict.explanation


@pytest.mark.parametrize(("present", "met"), [(13, False), (14, True), (15, True)])
def test_quorum_two_thirds_of_twenty_one(present, met):
    verdict = quorum_explanation(present=present, total=21, numerator=2, denominator=3)
    assert verdict.passed is met


def test_quorum_explanation_text():
    assert quorum_explanation(present=13, total=21, numerator=2, denominator=3).explanation == (
        "13/21 thành viên có mặt < 2/3 → không đủ điều kiện tiến hành"
    )


def test_vietnamese_decimal_comma():
    assert format_decimal(Decimal("71.40")) == "71,4"
    assert format_decimal(Decimal("70.000")) == "70"
    assert format_decimal(Decimal("66.6667"), 1) == "66,7"
