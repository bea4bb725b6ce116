"""Issue 13: administrators have no domain powers. A superuser administers users, role grants and configuration
and reads everything; a transition, a council write (session, agenda, attendance, written votes), an innovation
write (round, reviewers, import, council) or an emulation write (division, groups, overseers) needs a domain
role (a membership) like anyone else's. Refused: 403 (the engine's and services' ActionForbidden, the API's
403 JSON), nothing written, no audit event. A superuser who also holds a Board role acts in that role and the
audit event records it, never "admin"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from councils import services as council_services
from councils.models import AgendaItem, Attendance, Session, WrittenVote
from councils.registry import Threshold
from dossiers import services as dossier_services
from emulation import services as emulation_services
from emulation.models import Division, EmulationGroup
from innovation import services as innovation_services
from innovation.models import Initiative, Round
from tests.factories import CouncilTermFactory, MembershipFactory, UserFactory
from tests.innovation.helpers import make_cast, open_round, submit
from tests.innovation.test_import import row, xlsx
from tests.pdfs import pdf_bytes
from workflows import engine
from workflows.audit import Actor
from workflows.config import unit_update
from workflows.lifecycle import REGISTRY, InternalRule, RoleRule, lifecycle_for
from workflows.models import COUNCIL_ROLES, UNIT_ROLES, AuditEvent, Membership, Role
from workflows.policies import Policy
from workflows.services import membership_grant

pytestmark = pytest.mark.django_db


def _today():
    """Read at use, not at import: a suite collected before midnight (Asia/Ho_Chi_Minh) runs after it."""
    return timezone.localdate()


def _pdf(name="phieu.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, pdf_bytes(b"phieu bang van ban"), content_type="application/pdf")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def superuser(db):
    return UserFactory(username="it.admin", is_staff=True, is_superuser=True)


def _model(name: str):
    return next(model for model in REGISTRY if model._meta.model_name == name)


@pytest.fixture
def world(db, person, unit):
    """One object of every registered lifecycle, built through the services by the people who may."""
    from tests.dossiers.helpers import award, eligible_nominee

    board = person("board.officer", Role.BOARD_OFFICER)
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    term = CouncilTermFactory(starts_on=_today() - timedelta(days=400))
    secretary = person("council.secretary", Role.COUNCIL_SECRETARY, council_term=term)
    members = [person(f"council.member{i}", Role.COUNCIL_MEMBER, council_term=term) for i in range(3)]

    dossier = dossier_services.dossier_create(
        unit=unit, year=2023, occasion="annual", title="Đề nghị khen thưởng năm 2023", user=officer
    )
    line = dossier_services.line_add(
        dossier=dossier,
        nominee=eligible_nominee(unit),
        award=award("bk-tp"),
        achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
        user=officer,
    )
    session = council_services.session_create(
        council_term=term, title="Phiên họp thứ nhất", planned_on=_today() + timedelta(days=10), actor=board
    )
    item = council_services.agenda_item_add(
        session=session,
        title="Tặng Bằng khen cho tập thể",
        threshold=Threshold(percent=Decimal("50")),
        actor=board,
    )
    cast = make_cast(person, reviewers=2, members=1)
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    activity_model = _model("activity")
    plan_model = activity_model._meta.get_field("plan").related_model
    plan = plan_model.objects.create(year=2023, title="Kế hoạch thi đua năm 2023", issuing_body="UBND")
    activity = activity_model.objects.create(
        plan=plan,
        number=1,
        quarter=1,
        content="Phát động phong trào thi đua",
        lead_unit=unit,
        planned_due_date=_today() + timedelta(days=30),
        due_date=_today() + timedelta(days=30),
    )
    division = Division.objects.create(year=2023)
    # a unit's own year-end round with one imported line (dossiers.unit_round)
    from dossiers import unit_round as rounds
    from tests.dossiers.test_unit_round import YEAR as ROUND_YEAR
    from tests.dossiers.test_unit_round import person_row, workbook

    unit_round = rounds.round_create(
        unit=unit, year=ROUND_YEAR, title="Bình xét thi đua cuối năm", actor=Actor(user=officer)
    )
    rounds.round_import(
        unit_round=unit_round, rows=rounds.read_rows(workbook([person_row(1)])), actor=Actor(user=officer)
    )
    objects = {
        "dossier": dossier,
        "dossiernominee": line,
        "session": session,
        "agendaitem": item,
        "round": round_,
        "initiative": initiative,
        "activity": activity,
        "division": division,
        "unitround": unit_round,
        "unitroundline": unit_round.lines.get(),
    }
    return {
        "objects": objects,
        "unit": unit,
        "term": term,
        "board": board,
        "secretary": secretary,
        "members": members,
        "cast": cast,
    }


#: The API of each lifecycle (the router's basename); the division has none (its web page and the generic
#: transition page move it).
API_BASENAMES = {
    "dossier": "dossier",
    "dossiernominee": "dossier-line",
    "session": "session",
    "agendaitem": "agenda-item",
    "round": "innovation-round",
    "initiative": "initiative",
    "activity": "activity",
    "unitround": "unit-round",
}


def _every_lifecycle(world):
    """(model name, object) for every registered lifecycle; a new lifecycle must be given an object above."""
    names = sorted(
        model._meta.model_name
        for model in REGISTRY
        if not model._meta.app_config.name.startswith("tests.")  # the engine's own test machine (Widget)
    )
    missing = [name for name in names if name not in world["objects"]]
    assert not missing, f"build an object of {missing} in the world fixture"
    return [(name, world["objects"][name]) for name in names]


def _holder_of_every_role(obj):
    """A user (no superuser) holding every role in the object's scope: the control that each refusal below
    comes from the missing role, not from the object."""
    flow = lifecycle_for(obj)(obj)
    scope = flow.scope()
    user = UserFactory(username=f"holder-{obj._meta.model_name}-{obj.pk}")
    for role in Role:
        if role in UNIT_ROLES:
            if scope.unit_id is None:
                continue
            MembershipFactory(user=user, role=role, unit_id=scope.unit_id)
        elif role in COUNCIL_ROLES:
            if scope.council_term_id is None:
                continue
            MembershipFactory(user=user, role=role, council_term_id=scope.council_term_id)
        else:
            MembershipFactory(user=user, role=role)
    return user


def _in_state(obj, state):
    model = type(obj)
    field = lifecycle_for(obj).state_field
    model._default_manager.filter(pk=obj.pk).update(**{field: state})
    return model._default_manager.get(pk=obj.pk)


def _representative(obj) -> str:
    """A transition a role holder could start from the object's current state (not a system-only step); for a
    lifecycle moved only by the system (a round's lines, decided with their round), a system-only step."""
    flow = lifecycle_for(obj)(obj)
    available = [
        (name, flow.current_transition(name))
        for name in sorted(flow.transition_methods())
        if flow.current_transition(name) is not None
    ]
    for name, transition in available:
        if not isinstance(transition.permission, InternalRule):
            return name
    if available:
        return available[0][0]
    raise AssertionError(f"{type(obj).__name__} in {flow.state} has no transition")


def _state_of(obj):
    field = lifecycle_for(obj).state_field
    return type(obj)._default_manager.filter(pk=obj.pk).values_list(field, flat=True).get()


# -- transitions: every transition of every lifecycle --------------------------------------------------------
def test_the_engine_refuses_a_superuser_every_transition_of_every_lifecycle(world, superuser):
    checked = 0
    for _name, obj in _every_lifecycle(world):
        holder = _holder_of_every_role(obj)
        original = _state_of(obj)
        for transition_name, method in lifecycle_for(obj).transition_methods().items():
            for transition in method.get_transitions():
                subject = _in_state(obj, transition.source)
                flow = lifecycle_for(subject)(subject)
                verdict = engine.check(flow, transition_name, superuser)
                assert (verdict.allowed, verdict.status) == (False, 403), (
                    type(obj).__name__,
                    transition_name,
                    transition.source,
                    verdict,
                )
                # a role rule, or a named policy of the layer (a dossier's Board officer steps: the assignment)
                assert isinstance(transition.permission, RoleRule | Policy)
                control = engine.check(flow, transition_name, holder)
                if isinstance(transition.permission, InternalRule):
                    assert control.status == 403  # a system-only step: no user, role or not, starts it
                else:
                    assert control.status != 403, (type(obj).__name__, transition_name, control)
                checked += 1
        _in_state(obj, original)
    assert checked > 60  # every lifecycle's transitions, each from each of its source states


def test_perform_refuses_a_superuser_with_403_no_event_and_the_state_unchanged(world, superuser):
    for name, obj in _every_lifecycle(world):
        transition = _representative(obj)
        before_state, events = _state_of(obj), AuditEvent.objects.count()
        with pytest.raises(engine.ActionForbidden):
            engine.perform(obj, transition, user=superuser, data={"comment": "Quản trị viên thử"})
        assert _state_of(obj) == before_state, name
        assert AuditEvent.objects.count() == events, name
        assert not any(check.allowed for check in engine.available(obj, superuser)), name


def test_the_api_answers_403_json_to_a_superuser_on_every_lifecycle(world, superuser, api):
    client = api(superuser)
    for name, obj in _every_lifecycle(world):
        if name not in API_BASENAMES:
            continue
        transition = _representative(obj)
        url = reverse(
            f"{API_BASENAMES[name]}-perform-transition", kwargs={"pk": obj.pk, "transition": transition}
        )
        before_state, events = _state_of(obj), AuditEvent.objects.count()
        response = client.post(url, {"comment": "Quản trị viên thử"}, format="json")
        assert response.status_code == 403, (name, response.status_code, response.content[:300])
        assert (
            response["Content-Type"].startswith(("application/json", "application/problem+json"))
            and response.json()["detail"]
        )
        assert _state_of(obj) == before_state and AuditEvent.objects.count() == events, name
        listed = client.get(reverse(f"{API_BASENAMES[name]}-transitions", kwargs={"pk": obj.pk})).json()
        assert listed and not any(check["allowed"] for check in listed), name
    assert set(API_BASENAMES) <= {name for name, _ in _every_lifecycle(world)}


def test_the_web_transition_page_refuses_a_superuser_with_the_reason(world, superuser):
    division = world["objects"]["division"]
    url = reverse("transition", args=["emulation", "division", division.pk, "announce"])
    events = AuditEvent.objects.count()
    response = signed_in(superuser).post(
        url, {"document_number": "08/TB-HĐTĐKT", "announced_on": _today().strftime("%d/%m/%Y")}, follow=True
    )
    assert "Chỉ Trưởng Ban TĐKT có thẩm quyền mới được thực hiện" in response.content.decode()
    assert _state_of(division) == "draft" and AuditEvent.objects.count() == events


# -- the councils' writes outside the engine ----------------------------------------------------------------
def _nothing_written(counts_before):
    return counts_before == (
        AuditEvent.objects.count(),
        Session.objects.count(),
        AgendaItem.objects.count(),
        Attendance.objects.count(),
        WrittenVote.objects.count(),
    )


def _counts():
    return (
        AuditEvent.objects.count(),
        Session.objects.count(),
        AgendaItem.objects.count(),
        Attendance.objects.count(),
        WrittenVote.objects.count(),
    )


def test_council_services_refuse_a_superuser(world, superuser):
    session, term, member = world["objects"]["session"], world["term"], world["members"][0]
    before = _counts()
    refused = [
        lambda: council_services.session_create(
            council_term=term, title="Phiên của quản trị viên", planned_on=_today(), actor=superuser
        ),
        lambda: council_services.agenda_item_add(
            session=session, title="Mục của quản trị viên", threshold=Threshold(percent=50), actor=superuser
        ),
        lambda: council_services.attendance_record(
            session=session, member=member, status="present", actor=superuser
        ),
        lambda: council_services.written_vote_record(
            session=session,
            member=member,
            choices={world["objects"]["agendaitem"].pk: "agree"},
            document=_pdf(),
            actor=Actor(superuser, role="admin"),
        ),
    ]
    for call in refused:
        with pytest.raises(engine.ActionForbidden):
            call()
    assert _nothing_written(before)


def test_council_pages_refuse_a_superuser(world, superuser):
    session, member = world["objects"]["session"], world["members"][0]
    client = signed_in(superuser)
    before = _counts()
    create = client.post(
        reverse("councils:session_create"),
        {"council_term": world["term"].pk, "title": "Phiên", "planned_on": _today().strftime("%d/%m/%Y")},
    )
    assert create.status_code == 403
    agenda = client.post(
        reverse("councils:agenda_item_add", args=[session.pk]),
        {"title": "Mục", "summary": "", "threshold_percent": "50", "threshold_base": "total_members"},
        follow=True,
    )
    attendance = client.post(
        reverse("councils:attendance_record", args=[session.pk]),
        {"member": member.pk, "status": "present"},
        follow=True,
    )
    item = world["objects"]["agendaitem"]
    written = client.post(
        reverse("councils:written_vote_record", args=[session.pk]),
        {"member": member.pk, "document": _pdf(), f"written-{item.pk}": "agree"},
    )
    assert written.status_code == 400, written.context["written"]
    assert written.context["written"]["errors"] == {
        "general": ["Chỉ thư ký hội đồng được nhận phiếu bằng văn bản."]
    }
    for response, refusal in (
        (agenda, "Chỉ thư ký hội đồng hoặc Ban TĐKT được thêm mục"),
        (attendance, "Chỉ thư ký hội đồng được điểm danh"),
    ):
        shown = [str(message) for message in response.context["messages"]]
        assert any(refusal in message for message in shown), shown
    assert _nothing_written(before)


def test_council_api_refuses_a_superuser_with_403_json(world, superuser, api):
    session, member = world["objects"]["session"], world["members"][0]
    client = api(superuser)
    before = _counts()
    calls = [
        client.post(
            "/api/sessions/",
            {"council_term": world["term"].pk, "title": "Phiên", "planned_on": "2000-01-01"},
            format="json",
        ),
        client.post(
            f"/api/sessions/{session.pk}/agenda/",
            {
                "title": "Mục",
                "summary": "",
                "threshold_percent": "50",
                "threshold_base": "total_members",
                "threshold_strict": False,
            },
            format="json",
        ),
        client.post(
            f"/api/sessions/{session.pk}/attendance/",
            {"member": member.pk, "status": "present"},
            format="json",
        ),
        client.post(
            f"/api/sessions/{session.pk}/written-votes/",
            {
                "member": member.pk,
                "document": _pdf(),
                "choices": f'{{"{world["objects"]["agendaitem"].pk}": "agree"}}',
            },
            format="multipart",
        ),
    ]
    for response in calls:
        assert response.status_code == 403, (response.request["PATH_INFO"], response.content[:300])
        assert response.json()["detail"]
    assert _nothing_written(before)


# -- innovation's writes outside the engine ----------------------------------------------------------------
def test_innovation_services_refuse_a_superuser(world, superuser):
    cast = world["cast"]
    round_, initiative = world["objects"]["round"], world["objects"]["initiative"]
    rounds, events = Round.objects.count(), AuditEvent.objects.count()
    pool = set(round_.reviewers.values_list("pk", flat=True))
    refused = [
        lambda: innovation_services.round_create(
            council_term=cast.term,
            title="Đợt của quản trị viên",
            submission_opens_on=_today(),
            submission_closes_on=_today() + timedelta(days=10),
            actor=superuser,
        ),
        lambda: innovation_services.round_reviewers_set(
            round_=round_, reviewers=[superuser], actor=superuser
        ),
        lambda: innovation_services.initiatives_import(round_=round_, rows=[], actor=superuser),
        lambda: innovation_services.round_send_to_council(
            round_=round_, planned_on=_today(), actor=superuser
        ),
        lambda: innovation_services.reviewer_assign(
            initiative=initiative, reviewer=cast.reviewers[0], actor=superuser
        ),
        lambda: innovation_services.assignments_balance(round_=round_, actor=superuser),
    ]
    for call in refused:
        with pytest.raises(engine.ActionForbidden):
            call()
    assert (Round.objects.count(), AuditEvent.objects.count()) == (rounds, events)
    assert set(round_.reviewers.values_list("pk", flat=True)) == pool


def test_innovation_board_pages_refuse_a_superuser_like_anyone_without_the_role(world, superuser):
    """The Board's pages answer a superuser without a Board role as they answer a unit officer (404: they are
    not shown to those who may not use them); the round's page offers them no Board action."""
    cast, round_ = world["cast"], world["objects"]["round"]
    client, officer = signed_in(superuser), signed_in(cast.officer)
    initiatives, events = Initiative.objects.count(), AuditEvent.objects.count()
    for url, data in (
        (reverse("innovation:round_create"), {"title": "Đợt"}),
        (reverse("innovation:round_reviewers", args=[round_.pk]), {"reviewers": [superuser.pk]}),
        (reverse("innovation:round_import", args=[round_.pk]), {"file": xlsx([row(cast.unit, "Sáng kiến")])}),
    ):
        assert client.get(url).status_code == officer.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    council = client.post(
        reverse("innovation:round_send_to_council", args=[round_.pk]),
        {"planned_on": _today().strftime("%d/%m/%Y")},
        follow=True,
    )
    shown = [str(message) for message in council.context["messages"]]
    assert any("Chỉ Ban TĐKT được trình Hội đồng sáng kiến" in message for message in shown), shown
    page = client.get(round_.get_absolute_url())
    assert page.context["is_board"] is False and page.context["can_import"] is False
    assert not page.context["transitions"]
    assert (Initiative.objects.count(), AuditEvent.objects.count()) == (initiatives, events)


def test_innovation_api_refuses_a_superuser_with_403_json(world, superuser, api):
    cast = world["cast"]
    round_, initiative = world["objects"]["round"], world["objects"]["initiative"]
    client = api(superuser)
    rounds, initiatives, events = (
        Round.objects.count(),
        Initiative.objects.count(),
        AuditEvent.objects.count(),
    )
    calls = [
        client.post(
            "/api/rounds/",
            {
                "council_term": cast.term.pk,
                "title": "Đợt",
                "submission_opens_on": _today().isoformat(),
                "submission_closes_on": (_today() + timedelta(days=5)).isoformat(),
            },
            format="json",
        ),
        client.post(f"/api/rounds/{round_.pk}/reviewers/", {"reviewers": [superuser.pk]}, format="json"),
        client.post(
            f"/api/rounds/{round_.pk}/import/",
            {"file": xlsx([row(cast.unit, "Sáng kiến nhập của quản trị viên")])},
            format="multipart",
        ),
        client.post(
            f"/api/rounds/{round_.pk}/send-to-council/", {"planned_on": _today().isoformat()}, format="json"
        ),
        client.post(f"/api/rounds/{round_.pk}/assign-balanced/", {}, format="json"),
        client.post(
            f"/api/initiatives/{initiative.pk}/reviewers/", {"reviewer": cast.reviewers[0].pk}, format="json"
        ),
    ]
    for response in calls:
        assert response.status_code == 403, (response.request["PATH_INFO"], response.content[:300])
        assert response.json()["detail"]
    assert (Round.objects.count(), Initiative.objects.count(), AuditEvent.objects.count()) == (
        rounds,
        initiatives,
        events,
    )


# -- emulation's writes outside the engine -----------------------------------------------------------------
def test_emulation_services_and_pages_refuse_a_superuser(world, superuser, other_unit):
    from django.core.exceptions import PermissionDenied

    unit, division, member = world["unit"], world["objects"]["division"], world["members"][0]
    group = EmulationGroup.objects.create(
        division=division, year=division.year, kind="cluster", name="Cụm 1", head_unit=unit
    )
    group.members.set([unit])
    events = AuditEvent.objects.count()
    refused = [
        lambda: emulation_services.division_open(year=2024, actor=Actor(superuser)),
        lambda: emulation_services.group_add(
            division=division,
            kind="cluster",
            name="Cụm 2",
            members=[other_unit],
            head_unit=other_unit,
            actor=Actor(superuser, role=Role.BOARD_OFFICER),
        ),
        lambda: emulation_services.group_assign_overseer(
            group=group, member=member, actor=Actor(superuser, role=Role.BOARD_HEAD)
        ),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    client = signed_in(superuser)
    assert client.post(reverse("emulation:division_open", args=[2024])).status_code == 403
    page = reverse("emulation:division", args=[division.year])
    assert client.get(page).context["board"] is False
    added = client.post(
        page,
        {
            "group-kind": "cluster",
            "group-name": "Cụm 2",
            "group-members": [other_unit.pk],
            "group-head_unit": other_unit.pk,
        },
    )
    assert added.status_code == 403
    assert client.post(page, {"overseer-group": group.pk, "overseer-member": member.pk}).status_code == 403
    assert not Division.objects.filter(year=2024).exists()
    assert list(division.groups.values_list("name", flat=True)) == ["Cụm 1"]
    assert not group.overseers.exists() and AuditEvent.objects.count() == events


# -- a superuser who holds a domain role acts in that role -----------------------------------------------
def test_a_superuser_with_a_board_role_acts_as_the_board_and_is_recorded_so(world, superuser, api, grant):
    grant(superuser, Role.BOARD_OFFICER)
    cast = world["cast"]
    round_ = innovation_services.round_create(
        council_term=cast.term,
        title="Đợt 2 năm 2023",
        submission_opens_on=_today(),
        submission_closes_on=_today() + timedelta(days=10),
        actor=Actor(superuser, role="admin"),  # a role the caller claims but does not hold is not recorded
    )
    session = council_services.session_create(
        council_term=world["term"],
        title="Phiên bổ sung",
        planned_on=_today() + timedelta(days=3),
        actor=superuser,
    )
    division = emulation_services.division_open(year=2024, actor=Actor(superuser, role=Role.BOARD_HEAD))
    response = api(superuser).post(
        reverse(
            "innovation-round-perform-transition", kwargs={"pk": round_.pk, "transition": "close_submissions"}
        )
    )
    assert response.status_code == 200 and response.json()["state"] == "submissions_closed"
    web = signed_in(superuser).post(reverse("emulation:division_open", args=[2025]))
    assert web.status_code == 302
    events = AuditEvent.objects.filter(actor=superuser)
    assert {event.role for event in events} == {Role.BOARD_OFFICER}, [(e.verb, e.role) for e in events]
    assert {(event.subject_type.model, event.verb) for event in events} >= {
        ("round", "create"),
        ("round", "close_submissions"),
        ("session", "session_created"),
        ("division", "created"),
    }
    assert events.filter(subject_id=str(division.pk)).exists() and session.pk

    grant(superuser, Role.BOARD_HEAD)
    superuser = type(superuser).objects.get(pk=superuser.pk)  # the roles of today are cached on the user
    division = Division.objects.get(year=2025)
    group = EmulationGroup.objects.create(
        division=division, year=2025, kind="cluster", name="Cụm 1", head_unit=world["unit"]
    )
    emulation_services.group_assign_overseer(group=group, member=world["members"][0], actor=Actor(superuser))
    assigned = AuditEvent.objects.get(verb="overseer_assigned")
    assert assigned.role == Role.BOARD_HEAD
    assert not AuditEvent.objects.filter(actor=superuser, role="admin").exists()


# -- what a superuser keeps: users, role grants and configuration ------------------------------------------
def test_a_superuser_still_administers_units_and_role_grants(world, superuser, person):
    unit = unit_update(unit=world["unit"], actor=Actor(superuser), short_name="Q. NK")
    event = AuditEvent.objects.filter(verb="config_updated").latest("sequence")
    assert unit.short_name == "Q. NK" and event.role == "admin" and event.actor == superuser
    newcomer = person("new.officer")
    membership = membership_grant(user=newcomer, role=Role.UNIT_OFFICER, unit=unit, actor=Actor(superuser))
    assert Membership.objects.filter(pk=membership.pk, approved_at__isnull=False).exists()
    admin_page = signed_in(superuser).get(reverse("admin:organisations_unit_change", args=[unit.pk]))
    assert admin_page.status_code == 200


def test_the_admin_of_every_lifecycle_is_read_only_or_goes_through_the_audited_services(world, superuser, rf):
    """A superuser edits no state in the admin: a lifecycle's model is read-only there, or (a round's dates and
    points: configuration) saved through the audited services with its state read-only."""
    from django.contrib import admin

    from workflows.admin import AuditedAdmin

    request = rf.get("/admin/")
    request.user = superuser
    for name, obj in _every_lifecycle(world):
        model_admin = admin.site._registry.get(type(obj))
        if model_admin is None:
            continue
        assert not model_admin.has_add_permission(request), name
        assert not model_admin.has_delete_permission(request, obj), name
        if model_admin.has_change_permission(request, obj):
            assert isinstance(model_admin, AuditedAdmin), name
            assert lifecycle_for(obj).state_field in model_admin.get_readonly_fields(request, obj), name
    division = world["objects"]["division"]
    events = AuditEvent.objects.count()
    response = signed_in(superuser).post(
        reverse("admin:emulation_division_change", args=[division.pk]),
        {"emulationgroup_set-TOTAL_FORMS": "1", "emulationgroup_set-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 403
    assert not division.groups.exists() and AuditEvent.objects.count() == events


def test_plan_services_and_pages_refuse_a_superuser(db, superuser, person):
    """The annual plan's Board writes (copy to next year, issue, oversight) need a Board role, as everywhere."""
    from plan import services as plan_services
    from plan.models import Plan
    from tests.factories import UnitFactory

    plan = Plan.objects.create(year=2023, title="Kế hoạch thi đua năm 2023", issuing_body="UBND")
    member = person("council.member9", Role.COUNCIL_MEMBER, council_term=CouncilTermFactory())
    before = AuditEvent.objects.count()
    admin = Actor(superuser, role=Role.BOARD_HEAD)  # a role the caller names is not a role the user holds
    refusals = [
        lambda: plan_services.plan_copy_to_next_year(plan=plan, actor=admin),
        lambda: plan_services.plan_issue(plan=plan, number="1/KH-UBND", issued_on=_today(), actor=admin),
        lambda: plan_services.oversight_assign(plan=plan, member=member, unit=UnitFactory(), actor=admin),
    ]
    for attempt in refusals:
        with pytest.raises(PermissionDenied):
            attempt()
    assert AuditEvent.objects.count() == before
    assert Plan.objects.count() == 1
    head = person("board.head", Role.BOARD_HEAD)
    issued = plan_services.plan_issue(plan=plan, number="1/KH-UBND", issued_on=_today(), actor=Actor(head))
    assert issued.is_issued
    assert AuditEvent.objects.filter(actor=head).latest("sequence").role == Role.BOARD_HEAD
