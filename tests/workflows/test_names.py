"""Names as Vietnamese write them (family, middle, given) everywhere: one helper, workflows/names.py."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core import mail

from tests.testapp.models import Widget
from workflows import engine
from workflows.models import Role
from workflows.names import full_name

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]

ROOT = Path(__file__).resolve().parents[2]
VIETNAMESE = "Nguyễn Thị Lan"
WESTERN = "Lan Nguyễn Thị"


@pytest.fixture
def lan(person, unit):
    user = person("lan", Role.UNIT_HEAD, unit=unit)
    user.first_name, user.last_name = "Lan", "Nguyễn Thị"
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_the_helper_puts_the_family_name_first(lan, person):
    assert full_name(lan) == VIETNAMESE
    nameless = person("no.name")
    nameless.first_name = nameless.last_name = ""
    assert full_name(nameless) == "no.name"
    assert full_name(None) == ""


def test_header_history_notification_csv_and_api_say_nguyen_thi_lan(
    client, api, lan, unit, person, django_capture_on_commit_callbacks
):
    officer = person("officer", Role.BOARD_OFFICER)
    widget = Widget.objects.create(title="Hồ sơ đề nghị khen thưởng", unit=unit)
    with django_capture_on_commit_callbacks(execute=True):
        engine.perform(widget, "submit", user=lan, data={"comment": "Kính trình Ban"})

    client.force_login(lan)
    header = client.get("/").content.decode().split("</header>")[0]
    assert VIETNAMESE in header and WESTERN not in header

    [message] = [m for m in mail.outbox if officer.email in m.to]  # the e-mail to whoever acts next
    assert VIETNAMESE in message.body and WESTERN not in message.body
    assert VIETNAMESE in officer.notifications.get().text

    client.force_login(person("auditor", Role.AUDITOR))
    base = f"/lich-su/testapp/widget/{widget.pk}/"
    page = client.get(base).content.decode()
    assert VIETNAMESE in page and WESTERN not in page
    rows = list(csv.DictReader(io.StringIO(client.get(base + "?format=csv").content.decode("utf-8-sig"))))
    assert rows[-1]["actor"] == "lan" and rows[-1]["actor_name"] == VIETNAMESE  # the raw code stays too
    events = client.get(base + "?format=json").json()["events"]
    assert events[-1]["actor_name"] == VIETNAMESE

    board = person("board.head", Role.BOARD_HEAD)
    history = api(board).get(f"/api/test/widgets/{widget.pk}/history/").json()
    assert history[-1]["actor"] == "lan" and history[-1]["actor_name"] == VIETNAMESE
    memberships = api(board).get("/api/memberships/", {"page_size": 500}).json()["results"]
    assert {m["name"] for m in memberships if m["username"] == "lan"} == {VIETNAMESE}


def test_no_place_composes_a_western_name():
    """Django's get_full_name() is "first last" (Western order); names go through workflows/names.py only, and
    no template strings first_name and last_name together."""
    helper = ROOT / "workflows" / "names.py"
    offenders = []
    apps = [
        "workflows",
        "councils",
        "dossiers",
        "emulation",
        "innovation",
        "plan",
        "organisations",
        "project",
    ]
    for path in [p for app in apps for p in (ROOT / app).rglob("*.py")] + list(
        (ROOT / "templates").rglob("*")
    ):
        if path == helper or not path.is_file() or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "get_full_name" in text or "get_short_name" in text:
            offenders.append(str(path.relative_to(ROOT)))
        if path.suffix in (".html", ".txt") and re.search(r"\.(first|last)_name\s*}}", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"a person's name composed outside workflows/names.py: {offenders}"
