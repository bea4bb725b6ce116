"""What comes next on an object's page (issue 14 item 5) and its lifecycle as a picture (workflows/progress.py):
the main path read from the machine, who the next step waits on, the refused steps with the engine's own
reasons, the badge kinds, and the SVG with the object's own path highlighted."""

from __future__ import annotations

import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import AnonymousUser

from councils.lifecycle import AgendaItemLifecycle, SessionLifecycle
from dossiers.lifecycle import DossierLifecycle, DossierNomineeLifecycle
from innovation.lifecycle import InitiativeLifecycle, RoundLifecycle
from plan.lifecycle import ActivityLifecycle
from tests.dossiers.helpers import ready_dossier, walk_to
from tests.factories import UserFactory
from workflows import engine, progress
from workflows.models import Role

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(unit, other_unit, person, grant):
    board = person("board.officer", Role.BOARD_OFFICER)
    board.first_name, board.last_name = "Lan", "Nguyễn Thị"
    board.save()
    second_board = person("board.officer2", Role.BOARD_OFFICER)
    second_board.first_name, second_board.last_name = "Bình", "Trần Văn"
    second_board.save()
    return SimpleNamespace(
        unit=unit,
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        board=board,
        second_board=second_board,
        board_head=person("board.head", Role.BOARD_HEAD),
        chairman=person("chairman", Role.CITY_CHAIRMAN),
        outsider=person("unit2.officer", Role.UNIT_OFFICER, unit=other_unit),
    )


# -- the machine ---------------------------------------------------------------------------------------------
def test_the_main_path_is_read_from_each_machine_without_the_ways_out():
    assert progress.machine(DossierLifecycle).main_path == (
        "draft",
        "submitted",
        "accepted",
        "appraised",
        "on_agenda",
        "voted",
        "posted",
        "decided",
        "forwarded",
        "closed",
    )
    # postponing would make a longer path (planned → postponed → convened …): a way out is not the main path
    session_path = progress.machine(SessionLifecycle).main_path
    assert session_path[:3] == ("planned", "convened", "agenda_locked") and "postponed" not in session_path
    assert session_path[-1] == "resolution_issued" and "cancelled" not in session_path
    assert progress.machine(ActivityLifecycle).main_path == ("planned", "in_progress", "completed")
    assert "returned" not in progress.machine(InitiativeLifecycle).main_path
    assert progress.machine(InitiativeLifecycle).main_path[-1] == "certified"
    assert progress.machine(RoundLifecycle).main_path[0] == "open"
    assert progress.machine(DossierNomineeLifecycle).main_path[:4] == (
        "pending",
        "proposed",
        "on_agenda",
        "passed",
    )


def test_a_lifecycle_may_state_its_main_path():
    # the derivation would take the paper tally (pending → tally_entered → counted); electronic ballots are usual
    assert progress.machine(AgendaItemLifecycle).main_path == ("pending", "counted")


def test_badge_kinds_by_default_and_where_a_lifecycle_says_otherwise():
    kind = progress.state_kind
    assert kind(DossierLifecycle, "draft") == progress.DRAFT
    assert kind(DossierLifecycle, "submitted") == progress.WAITING
    assert kind(DossierLifecycle, "returned") == progress.REFUSED
    assert kind(DossierLifecycle, "withdrawn") == progress.REFUSED
    assert kind(DossierLifecycle, "closed") == progress.DONE  # no way on from it
    assert kind(SessionLifecycle, "cancelled") == progress.REFUSED
    assert kind(SessionLifecycle, "resolution_issued") == progress.DONE
    assert kind(DossierNomineeLifecycle, "central_rejected") == progress.REFUSED
    # final, but a refusal: the lifecycles say so (state_kinds)
    assert kind(DossierNomineeLifecycle, "not_proposed") == progress.REFUSED
    assert kind(DossierNomineeLifecycle, "failed") == progress.REFUSED
    assert kind(InitiativeLifecycle, "not_recognised") == progress.REFUSED


# -- an object and its viewers ------------------------------------------------------------------------------
def test_steps_of_a_submitted_dossier(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    panel = progress.progress(dossier, cast.board)
    statuses = [(step.state, step.status) for step in panel.steps]
    assert statuses[:3] == [("draft", "done"), ("submitted", "current"), ("accepted", "upcoming")]
    assert all(status == "upcoming" for _state, status in statuses[2:])


def test_a_returned_dossier_shows_the_way_out_after_the_step_it_left(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        data={"comment": "Thiếu hồ sơ", "items": "Biên bản họp", "working_days": 5},
    )
    dossier.refresh_from_db()
    panel = progress.progress(dossier, cast.board)
    states = [(step.state, step.status, step.side) for step in panel.steps]
    assert states[:3] == [
        ("draft", "done", False),
        ("submitted", "done", False),
        ("returned", "current", True),
    ]
    assert panel.kind == progress.REFUSED  # the Board cannot act: the unit must supplement
    head = progress.progress(dossier, cast.head)
    assert head.kind == progress.WAITING_YOU and head.waiting.text == "Đang chờ: bạn"


def test_waiting_on_the_board_names_its_officers_in_vietnamese_order(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    panel = progress.progress(dossier, cast.officer)
    assert not panel.waiting.you
    # accept / return are the Board officers'; withdrawing (the unit head's) is a way out, not the next step
    assert panel.waiting.roles == ["Chuyên viên Ban TĐKT"]
    assert panel.waiting.names == ["Nguyễn Thị Lan", "Trần Văn Bình"]
    assert panel.waiting.text == "Đang chờ: Chuyên viên Ban TĐKT (Nguyễn Thị Lan, Trần Văn Bình)"
    assert panel.kind == progress.WAITING
    board = progress.progress(dossier, cast.board)
    assert board.waiting.you and board.waiting.text == "Đang chờ: bạn" and board.kind == progress.WAITING_YOU


def test_at_most_five_names_then_how_many_more(cast, person):
    for index in range(6):
        person(f"board.extra{index}", Role.BOARD_OFFICER)
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    waiting = progress.progress(dossier, cast.officer).waiting
    assert len(waiting.names) == 5 and waiting.more == 3
    assert waiting.text.endswith("và 3 người khác)")


def test_a_step_only_the_council_takes_says_so_without_names(cast):
    dossier = walk_to(cast, ready_dossier(cast), "on_agenda")
    waiting = progress.progress(dossier, cast.board).waiting
    assert waiting.roles == ["Hội đồng (từ kết quả kiểm phiếu)"] and waiting.names == []
    assert waiting.text == "Đang chờ: Hội đồng (từ kết quả kiểm phiếu) (chưa có ai giữ vai trò này)"


def test_the_refused_steps_carry_the_engines_own_reasons(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    for user in (cast.officer, cast.head, cast.board, cast.board_head, cast.outsider):
        panel = progress.progress(dossier, user)
        flow = DossierLifecycle(dossier)
        # every transition out of the current state, and only those
        assert {c.name for c in panel.checks} == {"return_for_supplement", "withdraw", "accept"}
        for shown in panel.checks:
            expected = engine.check(flow, shown.name, user)
            assert (shown.allowed, shown.reason, shown.label) == (
                expected.allowed,
                expected.reason,
                expected.label,
            )
    officer = progress.progress(dossier, cast.officer)
    assert officer.allowed == []
    accept = next(c for c in officer.refused if c.name == "accept")
    assert accept.reason == "Chỉ Chuyên viên Ban TĐKT có thẩm quyền mới được thực hiện «Tiếp nhận»."
    assert {c.name for c in progress.progress(dossier, cast.board).allowed} == {
        "return_for_supplement",
        "accept",
    }


def test_an_unmet_condition_is_the_reason(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    panel = progress.progress(dossier, cast.board_head)
    sign_off = next(c for c in panel.checks if c.name == "sign_off")
    assert not sign_off.allowed and sign_off.reason == "Còn đối tượng chưa có ý kiến thẩm định của Ban."
    # the Board head holds the role but cannot sign yet: it waits on him, not "on you"
    assert not panel.waiting.you and "Trưởng Ban TĐKT" in panel.waiting.text


def test_a_closed_machine_waits_on_nobody(cast):
    dossier = ready_dossier(cast)
    engine.perform(dossier, "withdraw", user=cast.head, data={"comment": "Không đề nghị nữa"})
    dossier.refresh_from_db()
    panel = progress.progress(dossier, cast.board)
    assert panel.waiting.final and panel.checks == [] and panel.kind == progress.REFUSED
    assert panel.waiting.text == "Quy trình đã kết thúc, không còn bước nào."


def test_one_query_per_state_and_scope_for_many_objects_of_a_page(cast, django_assert_num_queries):
    first = walk_to(cast, ready_dossier(cast, title="Một"), "submitted")
    second = walk_to(cast, ready_dossier(cast, title="Hai"), "submitted")
    cache = {}
    progress.progress(first, cast.officer, with_history=False, cache=cache)
    with django_assert_num_queries(
        0
    ):  # the names are in the page's cache; role checks are cached on the user
        again = progress.progress(second, cast.officer, with_history=False, cache=cache)
    assert again.waiting.names == ["Nguyễn Thị Lan", "Trần Văn Bình"]


# -- the object's own path and the diagram -------------------------------------------------------------------
def test_visits_say_who_when_and_how_many_working_days(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    stays = progress.visits(dossier)
    assert [stay.state for stay in stays] == ["draft", "submitted", "accepted"]
    submitted = stays[1]
    assert submitted.actor == cast.head and submitted.left_at == stays[2].entered_at
    assert submitted.working_days == 0  # accepted the same day
    assert re.fullmatch(r"Nguyễn Văn · \d{2}/\d{2}/\d{4} \d{2}:\d{2} · 0 ngày làm việc", submitted.tooltip)
    assert stays[-1].left_at is None


def test_the_svg_draws_every_state_and_highlights_the_path(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    panel = progress.progress(dossier, cast.board)
    svg = str(panel.diagram())
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    text = " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))
    for _value, label in DossierLifecycle.states.choices:
        words = str(label).split()
        assert all(word in text for word in words), label
    states = {
        g.get("data-state"): g.get("class").split() for g in root.iter(f"{SVG}g") if g.get("data-state")
    }
    assert set(states) == set(DossierLifecycle.states.values)
    assert "lc-current" in states["accepted"] and "lc-visited" in states["submitted"]
    assert "lc-visited" not in states["appraised"] and "lc-visited" not in states["returned"]
    taken = {
        g.get("data-transition") for g in root.iter(f"{SVG}g") if "lc-taken" in (g.get("class") or "").split()
    }
    assert taken == {"submit", "accept"}
    titles = {
        g.get("data-state"): g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("data-state")
    }
    assert re.search(r"Nguyễn Văn · \d{2}/\d{2}/\d{4} \d{2}:\d{2} · \d+ ngày làm việc", titles["submitted"])
    assert "Đã trình" in titles["submitted"]


def test_without_the_right_to_read_history_the_picture_shows_no_one(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    council_member = UserFactory(username="someone")
    panel = progress.progress(dossier, council_member)
    assert panel.stays is None
    svg = str(panel.diagram())
    assert "lc-taken" not in svg and "ngày làm việc" not in svg and "lc-current" in svg
    assert progress.progress(dossier, AnonymousUser()).stays is None
