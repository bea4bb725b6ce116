"""Pages and API of the innovation app: the submission form, the reviewer's page, ranking, /api/…."""

import pytest
from django.test import Client
from django.urls import reverse

from innovation import services
from innovation.models import Initiative, InitiativeState, Review
from workflows import engine

from .helpers import make_cast, open_round, scores_for, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person):
    return make_cast(person)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(cast, share_two="40"):
    data = {
        "unit": str(cast.unit.pk),
        "title": "Ứng dụng mã QR trong quản lý tài sản công",
        "field": "economy",
        "summary": "Gắn mã QR cho từng tài sản.",
        "problem": "Kiểm kê thủ công mất nhiều ngày.",
        "solution": "Quét mã QR để kiểm kê.",
        "first_applied_on": "2022-05-01",
        "benefits": "Giảm 80 % thời gian kiểm kê.",
        "requested_scope": "grassroots",
        "lower_recognition": "",
        "authors-TOTAL_FORMS": "4",
        "authors-INITIAL_FORMS": "0",
        "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "10",
        "authors-0-full_name": "Huỳnh Văn Lộc",
        "authors-0-unit": str(cast.unit.pk),
        "authors-0-share": "50",
        "authors-1-full_name": "Đặng Thị Thu",
        "authors-1-unit": str(cast.unit.pk),
        "authors-1-share": share_two,
    }
    return data


def test_submit_form_keeps_the_input_and_explains_a_wrong_share_total(cast):
    round_ = open_round(cast)
    client = browser(cast.officer)
    url = reverse("innovation:initiative_submit", args=[round_.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(cast, share_two="40"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "phải bằng đúng 100 %" in html and "hiện là 90 %" in html
    assert "Ứng dụng mã QR trong quản lý tài sản công" in html and "Đặng Thị Thu" in html
    assert not Initiative.objects.exists()
    response = client.post(url, form_data(cast, share_two="50"))
    initiative = Initiative.objects.get()
    assert response.status_code == 302 and response["Location"] == initiative.get_absolute_url()
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Huỳnh Văn Lộc" in page and "Đã nộp" in page


def test_pages_render_for_the_board_and_hide_other_units_initiatives(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    board = browser(cast.board)
    assert "Sáng kiến" in board.get(reverse("innovation:round_list")).content.decode()
    detail = board.get(round_.get_absolute_url()).content.decode()
    assert initiative.title in detail and "Kết thúc nhận hồ sơ" in detail
    assert browser(cast.other_officer).get(initiative.get_absolute_url()).status_code == 404
    assert initiative.title not in browser(cast.other_officer).get(round_.get_absolute_url()).content.decode()
    assert reverse("innovation:round_list") in board.get("/").content.decode()  # the nav link


def reviewing(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    engine.perform(initiative, "screen", user=cast.board)
    services.assignments_balance(round_=round_, actor=cast.board)
    services.round_start_reviewing(round_=round_, user=cast.board)
    return round_, initiative


def test_the_reviewers_page_shows_own_assignments_and_the_other_sheet_only_after_submitting(cast):
    round_, initiative = reviewing(cast)
    first, second = initiative.assignments.order_by("pk")
    outsider = next(r for r in cast.reviewers if r.pk not in (first.reviewer_id, second.reviewer_id))
    assert initiative.title not in browser(outsider).get(reverse("innovation:my_reviews")).content.decode()
    assert browser(outsider).get(reverse("innovation:review_edit", args=[first.pk])).status_code == 404
    services.review_save(
        assignment=second,
        scores=scores_for(round_, 0.5),
        comment="Bí mật",
        actor=second.reviewer,
        submit=True,
    )
    client = browser(first.reviewer)
    page = client.get(reverse("innovation:review_edit", args=[first.pk])).content.decode()
    assert "Bí mật" not in page
    data = {"submit": "1", "comment": "Ổn"}
    for criterion in round_.criteria.all():
        data[f"points_{criterion.pk}"] = str(criterion.max_points)
        data[f"justification_{criterion.pk}"] = "Đạt yêu cầu"
    assert client.post(reverse("innovation:review_edit", args=[first.pk]), data).status_code == 302
    page = client.get(reverse("innovation:review_edit", args=[first.pk])).content.decode()
    assert "Bí mật" in page
    initiative.refresh_from_db()
    assert initiative.state == InitiativeState.REVIEWED
    ranking = browser(cast.board).get(reverse("innovation:round_ranking", args=[round_.pk])).content.decode()
    assert "vượt ngưỡng" in ranking  # 100 and 50 points: spread 50 > 20
    assert (
        browser(cast.other_officer).get(reverse("innovation:round_ranking", args=[round_.pk])).status_code
        == 404
    )


def test_api_submission_visibility_transitions_and_reviews(cast, api):
    round_ = open_round(cast)
    payload = {
        "round": round_.pk,
        "unit": cast.unit.pk,
        "title": "Cải tiến quy trình cấp phép xây dựng",
        "field": "society",
        "summary": "Tóm tắt",
        "problem": "Vấn đề",
        "solution": "Giải pháp",
        "first_applied_on": "2022-01-10",
        "benefits": "Hiệu quả",
        "requested_scope": "city",
        "authors": [
            {"full_name": "Ngô Văn Sang", "unit": cast.unit.pk, "share": "70"},
            {"full_name": "Lý Thị Hạnh", "unit": cast.unit.pk, "share": "20"},
        ],
    }
    response = api(cast.officer).post("/api/initiatives/", payload, format="json")
    assert response.status_code == 400 and "100 %" in response.json()["errors"]["authors"][0]
    payload["authors"][1]["share"] = "30"
    assert api(cast.other_officer).post("/api/initiatives/", payload, format="json").status_code == 403
    response = api(cast.officer).post("/api/initiatives/", payload, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["state"] == "submitted"
    assert api(cast.other_officer).get(f"/api/initiatives/{pk}/").status_code == 404
    assert api(cast.other_officer).get("/api/initiatives/").json()["count"] == 0
    assert [row["id"] for row in api(cast.officer).get("/api/initiatives/").json()["results"]] == [pk]

    board = api(cast.board)
    checks = {c["name"]: c for c in board.get(f"/api/rounds/{round_.pk}/transitions/").json()}
    assert checks["close_submissions"]["allowed"] and not checks["publish_results"]["allowed"]
    assert (
        api(cast.officer).post(f"/api/rounds/{round_.pk}/transitions/close_submissions/").status_code == 403
    )
    assert (
        board.post(f"/api/rounds/{round_.pk}/transitions/close_submissions/").json()["state"]
        == "submissions_closed"
    )
    board.post(f"/api/rounds/{round_.pk}/transitions/start_screening/")
    response = board.post(
        f"/api/initiatives/{pk}/transitions/return_for_supplement/", {"comment": ""}, format="json"
    )
    assert response.status_code == 400
    assert board.post(f"/api/initiatives/{pk}/transitions/screen/").status_code == 200
    response = board.post(
        f"/api/initiatives/{pk}/reviewers/", {"reviewer": cast.reviewers[0].pk}, format="json"
    )
    assert response.status_code == 201
    assert board.post(f"/api/rounds/{round_.pk}/assign-balanced/").json() == {"created": 1}
    response = board.post(f"/api/rounds/{round_.pk}/transitions/start_reviewing/")
    assert response.status_code == 200 and response.json()["state"] == "reviewing"
    assert Initiative.objects.get(pk=pk).state == InitiativeState.UNDER_REVIEW

    first, second = Initiative.objects.get(pk=pk).assignments.order_by("pk")
    assert [a["id"] for a in api(first.reviewer).get("/api/reviews/assignments/").json()] == [first.pk]
    scores = [
        {"criterion": c.pk, "points": str(c.max_points), "justification": "Tốt"}
        for c in round_.criteria.all()
    ]
    response = api(first.reviewer).post(
        "/api/reviews/", {"assignment": second.pk, "scores": scores, "submit": True}, format="json"
    )
    assert response.status_code == 404
    response = api(first.reviewer).post(
        "/api/reviews/", {"assignment": first.pk, "scores": scores, "submit": True}, format="json"
    )
    assert response.status_code == 201 and response.json()["total"] == "100.00"
    review = Review.objects.get(assignment=first)
    assert api(second.reviewer).get(f"/api/reviews/{review.pk}/").status_code == 404
    history = board.get(f"/api/initiatives/{pk}/history/").json()
    assert [e["verb"] for e in history][:3] == ["submit", "screen", "assign_reviewer"]
    ranking = board.get(f"/api/rounds/{round_.pk}/ranking/").json()
    assert ranking[0]["initiative"] == pk
    assert api(cast.other_officer).get(f"/api/rounds/{round_.pk}/ranking/").status_code == 403
