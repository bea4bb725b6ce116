"""The Board's round form (criteria from the defaults, reviewer pool) and the unit's author corrections on a
returned initiative, then its resubmission."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innovation.models import Initiative, InitiativeState, Round
from workflows import engine
from workflows.audit import history_for

from .helpers import make_cast, open_round, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person):
    return make_cast(person)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def round_data(cast, **overrides):
    today = timezone.localdate()
    data = {
        "council_term": str(cast.term.pk),
        "title": "Đợt xét sáng kiến năm 2024",
        "fields_": ["economy", "health"],
        "submission_opens_on": today.isoformat(),
        "submission_closes_on": (today + timedelta(days=30)).isoformat(),
        "pass_score": "70",
        "reviewers_per_initiative": "2",
        "spread_threshold": "20",
        "criteria": "Tính mới, tính sáng tạo | 30\nKhả năng áp dụng | 25\nHiệu quả | 30\nPhạm vi ảnh hưởng | 15",
        "reviewers": [str(user.pk) for user in cast.reviewers[:3]],
    }
    data.update(overrides)
    return data


def test_board_opens_a_round_with_default_criteria_and_a_reviewer_pool(cast):
    client = signed_in(cast.board)
    url = reverse("innovation:round_create")
    page = client.get(url).content.decode()
    assert "Tính mới, tính sáng tạo | 30" in page and "Khả năng áp dụng, nhân rộng | 25" in page
    assert reverse("innovation:round_create") in client.get(reverse("innovation:round_list")).content.decode()
    response = client.post(url, round_data(cast))
    round_ = Round.objects.get()
    assert response.status_code == 302 and response["Location"] == round_.get_absolute_url()
    assert round_.fields == "Kinh tế, Y tế" and round_.council_term == cast.term
    assert [(c.name, str(c.max_points)) for c in round_.criteria.all()] == [
        ("Tính mới, tính sáng tạo", "30.00"),
        ("Khả năng áp dụng", "25.00"),
        ("Hiệu quả", "30.00"),
        ("Phạm vi ảnh hưởng", "15.00"),
    ]
    assert set(round_.reviewers.all()) == set(cast.reviewers[:3])
    assert [e.verb for e in history_for(round_)] == ["create", "set_reviewers"]


def test_bad_round_input_is_explained_and_kept_and_nothing_is_saved(cast):
    client = signed_in(cast.board)
    today = timezone.localdate()
    response = client.post(
        reverse("innovation:round_create"),
        round_data(
            cast,
            criteria="Tính mới | 30\nHiệu quả không có điểm",
            submission_closes_on=(today - timedelta(days=1)).isoformat(),
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dòng 2: ghi dạng «tên tiêu chí | điểm tối đa»" in html
    assert "Ngày kết thúc nhận hồ sơ phải sau ngày bắt đầu" in html
    assert 'value="Đợt xét sáng kiến năm 2024"' in html and "Hiệu quả không có điểm" in html
    too_high = client.post(reverse("innovation:round_create"), round_data(cast, pass_score="120"))
    assert "vượt quá tổng điểm tối đa" in too_high.content.decode()
    assert not Round.objects.exists()


def test_only_the_board_opens_rounds_and_picks_reviewers(cast):
    assert signed_in(cast.officer).get(reverse("innovation:round_create")).status_code == 404
    assert (
        signed_in(cast.officer).post(reverse("innovation:round_create"), round_data(cast)).status_code == 404
    )
    round_ = open_round(cast)
    url = reverse("innovation:round_reviewers", args=[round_.pk])
    assert signed_in(cast.officer).get(url).status_code == 404
    response = signed_in(cast.board).post(url, {"reviewers": [str(cast.reviewers[0].pk)]})
    assert response.status_code == 302
    assert list(round_.reviewers.all()) == [cast.reviewers[0]]
    assert signed_in(cast.board).post(url, {}).status_code == 400  # at least one reviewer
    assert list(round_.reviewers.all()) == [cast.reviewers[0]]


def authors_post(cast, rows):
    data = {
        "authors-TOTAL_FORMS": "4",
        "authors-INITIAL_FORMS": "0",
        "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "10",
    }
    for index, (name, share) in enumerate(rows):
        data |= {
            f"authors-{index}-full_name": name,
            f"authors-{index}-unit": str(cast.unit.pk),
            f"authors-{index}-share": share,
        }
    return data


def test_a_returned_initiative_gets_its_authors_corrected_then_resubmitted(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    url = reverse("innovation:authors_edit", args=[initiative.pk])
    officer = signed_in(cast.officer)
    assert "Chỉ sửa tác giả khi sáng kiến đã được trả lại" in officer.get(url).content.decode()
    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    engine.perform(
        initiative, "return_for_supplement", user=cast.board, data={"comment": "Thiếu đồng tác giả."}
    )
    page = officer.get(initiative.get_absolute_url()).content.decode()
    assert url in page
    form = officer.get(url).content.decode()
    assert 'value="Lê Thị Mai"' in form and 'value="60.00"' in form
    refused = officer.post(url, authors_post(cast, [("Lê Thị Mai", "50"), ("Trần Văn Bình", "30")]))
    assert refused.status_code == 400
    assert "hiện là 80 %" in refused.content.decode() and 'value="Trần Văn Bình"' in refused.content.decode()
    assert sorted(initiative.authors.values_list("full_name", "share")) == sorted(
        [("Lê Thị Mai", 60), ("Trần Văn Bình", 40)]
    )
    assert signed_in(cast.other_officer).get(url).status_code == 404
    rows = [("Lê Thị Mai", "50"), ("Trần Văn Bình", "30"), ("Phan Thị Cúc", "20")]
    assert officer.post(url, authors_post(cast, rows)).status_code == 302
    assert sorted(initiative.authors.values_list("full_name", flat=True)) == [
        "Lê Thị Mai",
        "Phan Thị Cúc",
        "Trần Văn Bình",
    ]
    [event] = [e for e in history_for(initiative) if e.verb == "authors_update"]
    assert event.data["after"][-1] == ["Phan Thị Cúc", "20.00"] and event.actor == cast.officer
    page = officer.get(initiative.get_absolute_url()).content.decode()
    assert "Nộp lại" in page
    response = officer.post(
        reverse("transition", args=["innovation", "initiative", initiative.pk, "resubmit"]), {"comment": ""}
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.state == InitiativeState.RESUBMITTED
    assert officer.post(url, authors_post(cast, rows)).status_code == 400  # no longer returned
    assert Initiative.objects.get().authors.count() == 3


def test_authors_api_replaces_on_a_returned_initiative_only(cast, api):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    url = f"/api/initiatives/{initiative.pk}/authors/"
    payload = {"authors": [{"full_name": "Lê Thị Mai", "unit": cast.unit.pk, "share": "100"}]}
    assert api(cast.officer).put(url, payload, format="json").status_code == 409
    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    engine.perform(initiative, "return_for_supplement", user=cast.board, data={"comment": "Sửa tác giả."})
    assert api(cast.other_officer).put(url, payload, format="json").status_code == 404
    response = api(cast.officer).put(url, payload, format="json")
    assert response.status_code == 200 and [a["full_name"] for a in response.json()["authors"]] == [
        "Lê Thị Mai"
    ]
