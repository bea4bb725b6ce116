"""The innovation app on the one permission layer (issue 13): its policies (innovation/policies.py) admit the
right people and refuse the others with their reason; a superuser without a role holds no innovation power;
the reviewer assigned to an initiative holds a django-guardian object grant (innovation.review_initiative),
given and taken back through audited services, and that grant — not the assignment row — lets them score
and read the initiative."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from innovation import services
from innovation.lifecycle import InitiativeLifecycle, RoundLifecycle
from innovation.models import Initiative, InitiativeState, ReviewAssignment, Round, RoundState
from tests.innovation.helpers import make_cast, open_round, scores_for, submit
from workflows import engine
from workflows.audit import history_for
from workflows.models import AuditEvent, Role
from workflows.policies import REGISTRY

REVIEW = "review_initiative"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def granted(user, initiative) -> bool:
    """Read guardian's table directly (what the layer's has_grant reads)."""
    from guardian.models import UserObjectPermission

    return UserObjectPermission.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(Initiative),
        object_pk=str(initiative.pk),
        permission__codename=REVIEW,
    ).exists()


def _in_state(obj, state):
    type(obj).objects.filter(pk=obj.pk).update(state=state)
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def cast(person):
    return make_cast(person)


@pytest.fixture
def screened(cast):
    """A round in screening with one screened initiative of the cast's unit, and one of another unit."""
    round_ = open_round(cast)
    mine = submit(cast, round_)
    theirs = submit(
        cast,
        round_,
        title="Sáng kiến của đơn vị khác",
        unit=cast.other_unit,
        officer=cast.other_officer,
        authors=[{"full_name": "Võ Thị Lan", "unit": cast.other_unit, "share": "100"}],
    )
    engine.perform(round_, "close_submissions", user=cast.board)
    round_ = engine.perform(round_, "start_screening", user=cast.board)
    mine = engine.perform(mine, "screen", user=cast.board)
    theirs = engine.perform(theirs, "screen", user=cast.board)
    return round_, mine, theirs


@pytest.fixture
def reviewing(cast, screened):
    """Reviews open: reviewers 0 and 1 on the unit's initiative, 2 and 3 on the other unit's."""
    round_, mine, theirs = screened
    for reviewer in cast.reviewers[:2]:
        services.reviewer_assign(initiative=mine, reviewer=reviewer, actor=cast.board)
    for reviewer in cast.reviewers[2:4]:
        services.reviewer_assign(initiative=theirs, reviewer=reviewer, actor=cast.board)
    round_ = services.round_start_reviewing(round_=round_, user=cast.board)
    return round_, Initiative.objects.get(pk=mine.pk), Initiative.objects.get(pk=theirs.pk)


# -- each policy: who it admits, who it refuses and why -----------------------------------------------------
BOARD_ONLY = {"board"}

#: policy → (the object it is asked about, the people it admits, the reason it gives the others)
TABLE = {
    "may_open_round": ("none", BOARD_ONLY, "Chỉ Ban TĐKT được mở đợt xét sáng kiến."),
    "may_choose_reviewers": ("round", BOARD_ONLY, "Chỉ Ban TĐKT được chọn người chấm."),
    "may_import_initiatives": ("round", BOARD_ONLY, "Chỉ Ban TĐKT được nhập sáng kiến từ tệp Excel."),
    "may_assign_reviewers": ("initiative", BOARD_ONLY, "Chỉ Ban TĐKT được phân công người chấm."),
    "may_send_to_council": ("round", BOARD_ONLY, "Chỉ Ban TĐKT được trình Hội đồng sáng kiến."),
    "may_record_central_recognition": (
        "initiative",
        BOARD_ONLY,
        "Chỉ Ban TĐKT ghi văn bản công nhận của Trung ương.",
    ),
    "may_submit_initiative": (
        "unit",
        {"officer"},
        "Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được nộp sáng kiến.",
    ),
    "may_edit_authors": (
        "initiative",
        {"officer"},
        "Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị nộp được sửa tác giả.",
    ),
    "may_add_evidence": (
        "initiative",
        {"officer", "board"},
        "Chỉ đơn vị nộp sáng kiến hoặc Ban TĐKT được đính kèm minh chứng.",
    ),
    "may_score_initiative": ("initiative", {"reviewer"}, "Chỉ người được phân công mới được chấm phiếu này."),
    "may_declare_conflict": (
        "initiative",
        {"reviewer", "pool_reviewer"},
        "Chỉ người chấm của đợt được khai báo xung đột lợi ích.",
    ),
    "may_view_initiative": (
        "initiative",
        {"officer", "board", "auditor", "reviewer"},
        "Không tìm thấy sáng kiến.",
    ),
    "may_read_initiative_in_full": (
        "initiative",
        {"officer", "board", "auditor", "reviewer"},
        "Không tìm thấy tài liệu minh chứng của sáng kiến này.",
    ),
    "may_view_ranking": (
        "round",
        {"board", "auditor", "council_member"},
        "Chỉ Ban TĐKT và thành viên hội đồng được xem bảng xếp hạng trước khi công bố.",
    ),
    "may_download_certificate": (
        "certified",
        {"officer", "board", "auditor"},
        "Giấy chứng nhận chưa được cấp cho sáng kiến này.",
    ),
}
#: The reading policies admit an administrator, as workflows' may_read_everything does: reading is not a
#: domain decision (docs/security.md). Every other innovation policy refuses a superuser without a role.
ADMINISTRATOR_READS = {
    "may_view_initiative",
    "may_read_initiative_in_full",
    "may_view_ranking",
    "may_download_certificate",
}


def test_the_table_covers_every_innovation_policy():
    names = {name for name, entry in REGISTRY.items() if entry.module == "innovation.policies"}
    assert names == set(TABLE)


@pytest.fixture
def people(cast, reviewing, person):
    auditor = person("auditor-pinnov", Role.AUDITOR)
    return {
        "board": cast.board,
        "officer": cast.officer,
        "other_officer": cast.other_officer,
        "council_member": cast.members[0],
        "auditor": auditor,
        "reviewer": cast.reviewers[0],
        "pool_reviewer": cast.reviewers[2],  # in the round's pool, assigned to the other unit's initiative
        "nobody": person("nobody-pinnov"),
    }


def _object(kind, cast, reviewing):
    round_, mine, _theirs = reviewing
    if kind == "certified":  # the certificate policy is asked about an issued one (the row moved here)
        return _in_state(mine, InitiativeState.CERTIFIED)
    return {"none": None, "round": round_, "initiative": mine, "unit": cast.unit}[kind]


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_policy_admits_its_people_and_refuses_the_others_with_the_reason(name, cast, reviewing, people):
    kind, admitted, reason = TABLE[name]
    obj = _object(kind, cast, reviewing)
    entry = REGISTRY[name]
    for who, user in people.items():
        decision = entry(user, obj)
        assert decision.allowed is (who in admitted), (name, who, decision)
        if not decision.allowed:
            assert decision.reason == reason, (name, who)
            assert decision.status in (403, 404)


def test_the_reviewers_decisions_record_them_as_reviewer(cast, reviewing):
    _round, mine, _theirs = reviewing
    decision = REGISTRY["may_score_initiative"](cast.reviewers[0], mine)
    assert decision.allowed and decision.role == "reviewer"


def test_a_superuser_without_a_role_is_refused_every_innovation_power_with_a_real_object(cast, reviewing):
    admin = get_user_model().objects.create_superuser("root-pinnov", "root@example.org", "x")
    wrong = []
    for name, (kind, _admitted, _reason) in sorted(TABLE.items(), key=lambda item: item[1][0] == "certified"):
        decision = REGISTRY[name](admin, _object(kind, cast, reviewing))
        if decision.allowed is not (name in ADMINISTRATOR_READS):
            wrong.append((name, decision))
    assert not wrong


def test_the_unit_policies_refuse_another_units_object(cast, reviewing):
    _round, mine, theirs = reviewing
    for name in (
        "may_edit_authors",
        "may_add_evidence",
        "may_view_initiative",
        "may_read_initiative_in_full",
    ):
        assert REGISTRY[name](cast.officer, mine).allowed, name
        assert not REGISTRY[name](cast.officer, theirs).allowed, name
    assert not REGISTRY["may_submit_initiative"](cast.officer, cast.other_unit).allowed


def test_the_certificate_is_the_boards_once_recognised_and_the_units_once_issued(cast, reviewing):
    _round, mine, _theirs = reviewing
    entry = REGISTRY["may_download_certificate"]
    assert not entry(cast.board, mine).allowed  # under review: no certificate yet
    mine = _in_state(mine, InitiativeState.RECOGNISED)
    assert entry(cast.board, mine).allowed and not entry(cast.officer, mine).allowed
    mine = _in_state(mine, InitiativeState.CERTIFIED)
    assert entry(cast.officer, mine).allowed and not entry(cast.other_officer, mine).allowed


# -- every transition of the round and the initiative refuses a superuser through the API ------------------
@pytest.mark.parametrize(
    "lifecycle, basename",
    [(RoundLifecycle, "rounds"), (InitiativeLifecycle, "initiatives")],
    ids=["round", "initiative"],
)
def test_a_superuser_gets_403_json_on_every_transition_through_the_api(
    lifecycle, basename, cast, screened, api
):
    round_, mine, _theirs = screened
    obj = round_ if lifecycle is RoundLifecycle else mine
    admin = get_user_model().objects.create_superuser("root-api-pinnov", "root@example.org", "x")
    client = api(admin)
    events = AuditEvent.objects.count()
    checked = 0
    for name, method in lifecycle.transition_methods().items():
        for transition in method.get_transitions():
            subject = _in_state(obj, transition.source)
            response = client.post(
                f"/api/{basename}/{subject.pk}/transitions/{name}/", {"comment": "x"}, format="json"
            )
            assert response.status_code == 403, (name, transition.source, response.content)
            body = response.json()
            assert body["code"] == "permission_denied" and body["detail"], (name, body)
            assert type(obj).objects.get(pk=obj.pk).state == transition.source
            checked += 1
    assert checked >= len(lifecycle.transition_methods())
    assert AuditEvent.objects.count() == events


# -- the reviewer's object grant ----------------------------------------------------------------------------
def test_assigning_a_reviewer_grants_them_the_review_of_that_initiative_only(cast, screened):
    _round, mine, theirs = screened
    reviewer = cast.reviewers[0]
    services.reviewer_assign(initiative=mine, reviewer=reviewer, actor=cast.board)
    assert granted(reviewer, mine) and not granted(reviewer, theirs)
    assignment = ReviewAssignment.objects.get(initiative=mine, reviewer=reviewer)
    [event] = [e for e in history_for(assignment) if e.verb == "permission_granted"]
    assert (event.actor, event.role) == (cast.board, Role.BOARD_OFFICER)
    assert event.data["user"] == reviewer.username
    assert event.data["permission"] == "innovation.review_initiative"
    assert event.data["initiative"] == mine.pk


def test_the_grant_not_the_assignment_row_lets_the_reviewer_score_and_read(cast, reviewing):
    from guardian.models import UserObjectPermission

    round_, mine, theirs = reviewing
    reviewer, colleague = cast.reviewers[0], cast.reviewers[1]
    own = mine.assignments.get(reviewer=reviewer)
    other = mine.assignments.get(reviewer=colleague)
    # the grant on one initiative gives nothing on another (the other unit's), nor on a colleague's sheet
    assert not REGISTRY["may_score_initiative"](reviewer, theirs).allowed
    assert not REGISTRY["may_view_initiative"](reviewer, theirs).allowed
    with pytest.raises(engine.ActionForbidden, match="Chỉ người được phân công mới được chấm phiếu này."):
        services.review_save(assignment=other, scores=scores_for(round_, 0.5), actor=reviewer)
    # without the grant, the assignment row alone lets the reviewer neither read nor score
    UserObjectPermission.objects.filter(user=reviewer, object_pk=str(mine.pk)).delete()
    reviewer = get_user_model().objects.get(pk=reviewer.pk)
    assert signed_in(reviewer).get(mine.get_absolute_url()).status_code == 404
    assert signed_in(reviewer).get(reverse("innovation:review_edit", args=[own.pk])).status_code == 404
    assert signed_in(colleague).get(reverse("innovation:review_edit", args=[other.pk])).status_code == 200
    with pytest.raises(engine.ActionForbidden, match="Chỉ người được phân công mới được chấm phiếu này."):
        services.review_save(assignment=own, scores=scores_for(round_, 0.5), actor=reviewer)
    # the colleague, still granted, scores and reads
    review = services.review_save(assignment=other, scores=scores_for(round_, 0.5), actor=colleague)
    assert review.total > 0
    assert signed_in(colleague).get(mine.get_absolute_url()).status_code == 200
    event = [e for e in history_for(mine) if e.verb == "review_save"][-1]
    assert (event.actor, event.role) == (colleague, "reviewer")


def test_the_board_grants_and_takes_back_the_review_on_the_web(cast, screened):
    _round, mine, theirs = screened
    reviewer, board = cast.reviewers[0], signed_in(cast.board)
    assert signed_in(reviewer).get(mine.get_absolute_url()).status_code == 404
    board.post(reverse("innovation:initiative_assign", args=[mine.pk]), {"reviewer": reviewer.pk})
    assert granted(reviewer, mine)
    reviewer_page = signed_in(reviewer).get(mine.get_absolute_url())
    assert reviewer_page.status_code == 200 and reviewer_page.context["in_full"]
    page = board.get(mine.get_absolute_url())
    assert reverse("innovation:initiative_unassign", args=[mine.pk]) in page.content.decode()
    # the wrong role: the unit's officer cannot take the reviewer off (nor see the button)
    officer = signed_in(cast.officer)
    officer_page = officer.get(mine.get_absolute_url())
    assert reverse("innovation:initiative_unassign", args=[mine.pk]) not in officer_page.content.decode()
    refused = officer.post(
        reverse("innovation:initiative_unassign", args=[mine.pk]), {"reviewer": reviewer.pk}, follow=True
    )
    assert any("Chỉ Ban TĐKT được phân công người chấm." in str(m) for m in refused.context["messages"])
    assert granted(reviewer, mine)
    # another unit's officer does not even find the initiative
    other = signed_in(cast.other_officer)
    url = reverse("innovation:initiative_unassign", args=[mine.pk])
    assert other.post(url, {"reviewer": reviewer.pk}).status_code == 404
    assert granted(reviewer, mine)
    # the Board takes the reviewer off: the assignment and the grant go, audited
    board.post(url, {"reviewer": reviewer.pk})
    assert not granted(reviewer, mine)
    assert not mine.assignments.filter(reviewer=reviewer).exists()
    assert [e.verb for e in history_for(mine)][-2:] == ["assign_reviewer", "unassign_reviewer"]
    revoked = AuditEvent.objects.get(verb="permission_revoked")
    assert (revoked.actor, revoked.role, revoked.data["initiative"]) == (
        cast.board,
        Role.BOARD_OFFICER,
        mine.pk,
    )
    assert (revoked.subject_type.app_label, revoked.subject_type.model) == ("innovation", "reviewassignment")
    assert signed_in(reviewer).get(mine.get_absolute_url()).status_code == 404


def test_the_board_grants_and_takes_back_the_review_through_the_api(cast, screened, api, person):
    round_, mine, theirs = screened
    url = f"/api/initiatives/{mine.pk}/reviewers/"
    reviewer, second = cast.reviewers[0], cast.reviewers[1]
    board = api(cast.board)
    assert board.post(url, {"reviewer": reviewer.pk}, format="json").status_code == 201
    assert granted(reviewer, mine)
    # wrong roles: the unit's officer and an auditor (403 with the reason), another unit's officer (404)
    auditor = person("auditor-api-pinnov", Role.AUDITOR)
    for user in (cast.officer, auditor):
        response = api(user).post(url, {"reviewer": second.pk}, format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == "Chỉ Ban TĐKT được phân công người chấm."
        response = api(user).delete(url, {"reviewer": reviewer.pk}, format="json")
        assert response.status_code == 403
    assert api(cast.other_officer).delete(url, {"reviewer": reviewer.pk}, format="json").status_code == 404
    assert granted(reviewer, mine) and not granted(second, mine)
    # bad input is a 400, not a 500
    assert board.delete(url, {"reviewer": "abc"}, format="json").status_code == 400
    assert board.delete(url, {"reviewer": second.pk}, format="json").status_code == 400  # not assigned
    # the reviewer reads the initiative through the API, then loses it with the grant
    assert api(reviewer).get(f"/api/initiatives/{mine.pk}/").status_code == 200
    assert board.delete(url, {"reviewer": reviewer.pk}, format="json").status_code == 204
    assert not granted(reviewer, mine)
    assert api(reviewer).get(f"/api/initiatives/{mine.pk}/").status_code == 404
    verbs = [e.verb for e in AuditEvent.objects.filter(data__user=reviewer.username).order_by("sequence")]
    assert verbs == ["permission_granted", "permission_revoked"]
    # scoring: two new reviewers, reviews open, each scores their own sheet through the API
    for user in (second, cast.reviewers[3]):
        assert board.post(url, {"reviewer": user.pk}, format="json").status_code == 201
    for user in (reviewer, cast.reviewers[2]):
        services.reviewer_assign(initiative=theirs, reviewer=user, actor=cast.board)
    services.round_start_reviewing(round_=round_, user=cast.board)
    assignment = mine.assignments.get(reviewer=second)
    scores = [
        {"criterion": c.pk, "points": str(c.max_points), "justification": "Tốt"}
        for c in round_.criteria.all()
    ]
    response = api(second).post(
        "/api/reviews/", {"assignment": assignment.pk, "scores": scores, "submit": True}, format="json"
    )
    assert response.status_code == 201
    # once reviews are open the Board can no longer take a reviewer off (the state is the service's check)
    response = board.delete(url, {"reviewer": second.pk}, format="json")
    assert response.status_code == 409 and granted(second, mine)


def test_the_grant_outlives_the_end_of_scoring(cast, reviewing):
    """Scoring's end keeps the grant: the reviewer still reads the initiative they scored (their sheet is on
    the record the council reads); the round's state, not the grant, closes the sheet."""
    round_, mine, _theirs = reviewing
    for assignment in mine.assignments.all():
        services.review_save(
            assignment=assignment, scores=scores_for(round_, 0.8), actor=assignment.reviewer, submit=True
        )
    reviewer = cast.reviewers[0]
    assert granted(reviewer, mine)
    assert signed_in(reviewer).get(mine.get_absolute_url()).status_code == 200
    with pytest.raises(engine.TransitionNotAllowed):
        services.review_save(
            assignment=mine.assignments.get(reviewer=reviewer), scores=scores_for(round_, 1), actor=reviewer
        )


def test_only_a_reviewer_of_the_pool_declares_a_conflict(cast, screened):
    _round, mine, _theirs = screened
    outsider = get_user_model().objects.create_user("outsider-pinnov")
    with pytest.raises(engine.ActionForbidden):
        services.conflict_declare(initiative=mine, reason="Quen biết tác giả.", actor=outsider)
    assert (
        signed_in(outsider)
        .post(reverse("innovation:conflict_declare", args=[mine.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    declaration = services.conflict_declare(
        initiative=mine, reason="Quen biết tác giả.", actor=cast.reviewers[0]
    )
    assert declaration.reviewer == cast.reviewers[0]
    event = [e for e in history_for(mine) if e.verb == "declare_conflict"][-1]
    assert event.role == "reviewer"


# -- the data migration: existing assignments get their grant -------------------------------------------------
@pytest.fixture
def append_only_flush():
    """The flush after a transactional test DELETEs audit events, which SQLite's triggers refuse: lift them for
    the flush only (as tests/plan/test_migration_moved_app.py does)."""
    yield
    from importlib import import_module

    from django.db import connection

    if connection.vendor == "sqlite":
        append_only = import_module("workflows.migrations.0002_audit_append_only")
        with connection.cursor() as cursor:
            for statement in append_only.SQLITE_DOWN:
                cursor.execute(statement)
            cursor.execute("DELETE FROM workflows_auditevent")
            for statement in append_only.SQLITE_UP:
                cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_grants_every_existing_assignment(person, append_only_flush):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    cast = make_cast(person)
    round_ = open_round(cast)
    initiatives = [submit(cast, round_, title=f"Sáng kiến {i}") for i in range(2)]
    previous = [("innovation", "0003_review_initiative_permission")]
    executor = MigrationExecutor(connection)
    executor.migrate(previous)
    # rows as they stood before the grant existed: assignments without a grant
    for initiative, reviewer in zip(initiatives, cast.reviewers, strict=False):
        ReviewAssignment.objects.create(initiative=initiative, reviewer=reviewer, assigned_by=cast.board)
    ReviewAssignment.objects.create(
        initiative=initiatives[0], reviewer=cast.reviewers[2], assigned_by=cast.board
    )
    # the initiatives in hand: the table as it stood then lacks the columns added since (central recognition)
    by_pk = {initiative.pk: initiative for initiative in initiatives}
    assert not any(granted(a.reviewer, by_pk[a.initiative_id]) for a in ReviewAssignment.objects.all())
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("innovation"))
    for assignment in ReviewAssignment.objects.select_related("reviewer", "initiative"):
        assert granted(assignment.reviewer, assignment.initiative), assignment
    assert not granted(cast.reviewers[1], initiatives[0])
    assert REGISTRY["may_score_initiative"](
        get_user_model().objects.get(pk=cast.reviewers[0].pk), initiatives[0]
    ).allowed
    # applying it again (or over grants given by the service) adds nothing twice
    from guardian.models import UserObjectPermission

    count = UserObjectPermission.objects.count()
    executor = MigrationExecutor(connection)
    executor.migrate(previous)
    assert UserObjectPermission.objects.filter(permission__codename=REVIEW).count() == 0
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("innovation"))
    assert UserObjectPermission.objects.count() == count
    assert Round.objects.get(pk=round_.pk).state == RoundState.OPEN
