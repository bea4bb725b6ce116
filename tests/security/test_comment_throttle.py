"""The anonymous public-comment form is rate-limited and size-capped (issue 12, item 11): each comment writes a
permanent audit event, so a flood from one address (5 an hour) or on one posting (200 a day) is refused with a
Vietnamese message on the form (429), leaving no comment row and no audit event; an oversized field is refused
next to the field, keeping what was typed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dossiers import services
from dossiers.models import PublicComment
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows import throttle
from workflows.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(unit, person):
    """The people walking a dossier to its public posting (tests/dossiers/helpers.walk_to)."""
    return SimpleNamespace(
        unit=unit,
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        board=person("board.officer", Role.BOARD_OFFICER),
        board_head=person("board.head", Role.BOARD_HEAD),
        chairman=person("chairman", Role.CITY_CHAIRMAN),
    )


@pytest.fixture
def line(cast):
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    return dossier.lines.get()


def post_comment(line, address="203.0.113.7", text="Đồng ý với đề nghị khen thưởng.", **fields):
    data = {
        "line": line.pk,
        f"c{line.pk}-author_name": fields.get("author_name", "Lê Văn Dân"),
        f"c{line.pk}-contact": fields.get("contact", "0292 000 000"),
        f"c{line.pk}-text": text,
    }
    return Client(REMOTE_ADDR=address).post(reverse("dossiers:public"), data)


def comment_events():
    return AuditEvent.objects.filter(verb="public_comment").count()


def test_the_sixth_comment_from_one_address_within_the_hour_is_refused(line):
    for index in range(5):
        assert post_comment(line, text=f"Góp ý số {index + 1}.").status_code == 302
    assert PublicComment.objects.count() == 5 and comment_events() == 5
    refused = post_comment(line, text="Góp ý số 6.")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Đã nhận quá nhiều ý kiến góp ý trong thời gian ngắn" in page
    assert "Góp ý số 6." in page  # the form keeps what was typed
    assert int(refused["Retry-After"]) > 0
    assert PublicComment.objects.count() == 5 and comment_events() == 5
    # Another address is still heard.
    assert post_comment(line, address="198.51.100.20", text="Góp ý từ máy khác.").status_code == 302
    assert PublicComment.objects.count() == 6 and comment_events() == 6


def test_the_address_behind_the_proxy_is_the_one_counted(line, settings):
    """Behind the TLS proxy the client's address is the last X-Forwarded-For hop: a client cannot escape the
    limit by sending a different X-Forwarded-For of its own each time."""
    settings.BEHIND_PROXY = True
    for index in range(6):
        response = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{index}, 203.0.113.9").post(
            reverse("dossiers:public"),
            {
                "line": line.pk,
                f"c{line.pk}-author_name": "Lê Văn Dân",
                f"c{line.pk}-contact": "0292 000 000",
                f"c{line.pk}-text": f"Góp ý {index}.",
            },
        )
        assert response.status_code == (302 if index < 5 else 429)
    assert PublicComment.objects.count() == 5


def test_a_posting_takes_at_most_its_daily_number_of_comments(line, settings):
    settings.PUBLIC_COMMENT_RATE_PER_POSTING = "3/day"
    for index in range(3):
        assert post_comment(line, address=f"198.51.100.{index + 1}").status_code == 302
    refused = post_comment(line, address="198.51.100.99")
    assert refused.status_code == 429
    assert PublicComment.objects.count() == 3 and comment_events() == 3


def test_the_service_itself_refuses_beyond_the_rate(line):
    """Every path (not only the page) goes through the limit: the service raises RateLimited."""
    for _ in range(5):
        services.public_comment_add(
            line=line, author_name="Dân", contact="0292", text="Góp ý.", client_ip="192.0.2.1"
        )
    with pytest.raises(throttle.RateLimited):
        services.public_comment_add(
            line=line, author_name="Dân", contact="0292", text="Góp ý.", client_ip="192.0.2.1"
        )
    assert PublicComment.objects.count() == 5


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Nội dung quá dài. " * 200),  # 3 600 characters > 2 000
        ("author_name", "Nguyễn " * 40),
        ("contact", "0292 " * 60),
    ],
)
def test_an_oversized_field_is_refused_next_to_the_field_keeping_the_text(line, field, value):
    fields = {"text": "Góp ý ngắn."} | {field: value}
    response = post_comment(line, **fields)
    assert response.status_code == 400
    form = response.context["rows"][0]["form"]
    assert field in form.errors and "tối đa" in form.errors[field][0].lower()
    assert form[field].value() == value  # what was typed is kept
    assert PublicComment.objects.count() == 0 and comment_events() == 0


def test_the_service_caps_the_sizes_too(line):
    with pytest.raises(ValidationError) as refused:
        services.public_comment_add(
            line=line, author_name="Dân", contact="0292", text="x" * 2001, client_ip="192.0.2.1"
        )
    assert "text" in refused.value.message_dict
    assert PublicComment.objects.count() == 0 and comment_events() == 0


def test_refused_attempts_do_not_keep_the_door_closed_longer(line):
    """A refused hit is not counted: the window's counter stays at the limit."""
    for _ in range(5):
        post_comment(line)
    for _ in range(10):
        assert post_comment(line).status_code == 429
    assert throttle.peek("public_comment_ip", "203.0.113.7", "5/hour") == 5


def test_the_fixed_window_counter():
    rate = throttle.parse_rate("3/minute")
    assert rate == throttle.Rate(3, 60)
    start = 1_800_000_000.0  # the start of a minute
    verdicts = [throttle.hit("test", "a", rate, now=start + i) for i in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 57
    assert throttle.hit("test", "b", rate, now=start + 5).allowed  # another caller
    assert throttle.hit("other", "a", rate, now=start + 5).allowed  # another scope
    assert throttle.hit("test", "a", rate, now=start + 60).allowed  # the next window
    for bad in ("5", "x/hour", "5/fortnight", "-1/day"):
        with pytest.raises(ValueError):
            throttle.parse_rate(bad)
