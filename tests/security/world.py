"""One object of each kind, and one user per role, for the permission matrix and schemathesis.

Built on the Cần Thơ demo data (`seed_demo`): unit A is Quận Ninh Kiều (its dossiers, nominees, the demo
innovation initiative), unit B is Sở Y tế. On top of it: a document, a unit plan, a review sheet, an evidence
PDF, a session whose ballots have been cast and counted, and two users whose grants have lapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from workflows.audit import SYSTEM
from workflows.models import Delegation, Membership, Role

from .matrix import ROLES

#: Demo logins standing for each role (anonymous has none; the two lapsed grants are created below).
DEMO_USERS = {
    "unit_a": "unit.officer",
    "unit_b": "unit2.officer",
    "board": "board.officer",
    "member_in": "council.member1",  # sits on the emulation council, whose session is in the world
    "member_out": "innovation.member13",  # innovation council only: neither the session nor a reviewer
    "auditor": "auditor",
    "reviewer": "innovation.member1",  # assigned to score the demo initiative (set up below)
}


def pdf(name="tai-lieu.pdf", body=b"noi dung"):
    from tests.pdfs import pdf_bytes

    return SimpleUploadedFile(name, pdf_bytes(body), content_type="application/pdf")


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)

    def user(self, role):
        return self.users.get(role)


def _lapsed_users(world: World, unit_a) -> None:
    users = get_user_model().objects
    today = timezone.localdate()
    expired = users.create_user("expired.officer", password="tdkt-demo-2023")  # noqa: S106
    Membership.objects.create(
        user=expired,
        role=Role.UNIT_OFFICER,
        unit=unit_a,
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
        approved_at=timezone.now() - timedelta(days=400),
    )
    delegate = users.create_user("expired.delegate", password="tdkt-demo-2023")  # noqa: S106
    Delegation.objects.create(
        delegator=users.get(username="unit.officer"),
        delegate=delegate,
        role=Role.UNIT_OFFICER,
        unit=unit_a,
        valid_from=today - timedelta(days=30),
        valid_to=today - timedelta(days=1),
        reason="Nghỉ phép (đã hết hạn)",
    )
    world.users["expired_membership"] = expired
    world.users["expired_delegation"] = delegate


def _voted_session(world: World, board):
    """A second emulation-council session, voted and counted: ballots exist for the secrecy checks."""
    from councils import services as council_services
    from councils.models import Attendance, AttendanceStatus, Session
    from councils.registry import Threshold, ThresholdBase
    from workflows import engine

    demo = Session.objects.order_by("pk").first()
    term = demo.council_term
    voters = list(
        get_user_model()
        .objects.filter(memberships__council_term=term)
        .exclude(memberships__role=Role.COUNCIL_SECRETARY)
        .distinct()
        .order_by("username")
    )
    secretary = get_user_model().objects.get(username="council.secretary")
    chair = get_user_model().objects.get(username="chairman")
    session = council_services.session_create(
        council_term=term,
        title="Phiên bỏ phiếu kín (kiểm tra bảo mật)",
        planned_on=timezone.localdate() + timedelta(days=2),
        place="Hội trường",
        actor=board,
    )
    item = council_services.agenda_item_add(
        session=session,
        subject=None,
        title="Tặng Bằng khen cho tập thể",
        summary="",
        proposing_unit=None,
        nominee_user=None,
        threshold=Threshold(percent=50, base=ThresholdBase.TOTAL_MEMBERS, strict=True, ratio=None),
        actor=board,
    )
    engine.perform(session, "convene", user=secretary, data={"planned_on": session.planned_on.isoformat()})
    engine.perform(session, "lock_agenda", user=secretary)
    *present, absent = voters  # the last voter is absent and votes in writing (recorded, then confirmed)
    for member in present:
        council_services.attendance_record(
            session=session, member=member, status=AttendanceStatus.PRESENT, actor=secretary
        )
    council_services.attendance_record(
        session=session, member=absent, status=AttendanceStatus.ABSENT, actor=secretary
    )
    assert Attendance.objects.filter(session=session).exists()
    engine.perform(session, "open", user=chair)
    engine.perform(session, "open_voting", user=secretary, data={"voting_mode": "all_items"})
    choices = {}
    for index, member in enumerate(voters):
        choice = (
            ("agree", "disagree", "abstain")[index % 3]
            if session.abstain_allowed
            else ("agree" if index % 3 else "disagree")
        )
        if member == absent:
            vote = council_services.written_vote_record(
                session=session,
                member=member,
                choices={item.pk: choice},
                document=pdf("phieu-van-ban.pdf"),
                actor=secretary,
            )
            council_services.written_vote_confirm(vote=vote, actor=board)
            world.objects["written_vote"] = vote
        else:
            council_services.ballot_cast(item=item, choice=choice, actor=member)
        choices[member.username] = choice
    council_services.session_close_voting(session=session, user=secretary)
    world.objects["voted_session"] = session
    world.objects["voted_item"] = item
    world.objects["voters"] = voters
    world.objects["choices"] = choices


def _review(world: World, board, round_, initiative):
    from innovation import services as innovation_services
    from workflows import engine

    engine.perform(round_, "close_submissions", user=board)
    engine.perform(round_, "start_screening", user=board)
    engine.perform(initiative, "screen", user=board)
    reviewer = get_user_model().objects.get(username="innovation.member1")
    assignment = innovation_services.reviewer_assign(initiative=initiative, reviewer=reviewer, actor=board)
    second = get_user_model().objects.get(username="innovation.member2")
    innovation_services.reviewer_assign(initiative=initiative, reviewer=second, actor=board)
    innovation_services.round_start_reviewing(round_=round_, user=board)
    criteria = list(round_.criteria.all())
    review = innovation_services.review_save(
        assignment=assignment,
        scores={c.pk: (c.max_points / 2, "Đạt yêu cầu.") for c in criteria},
        comment="Phiếu chấm nháp",
        submit=False,
        actor=reviewer,
    )
    world.users["reviewer"] = reviewer
    return assignment, review


def build_world(*, with_votes: bool = True) -> World:
    from councils.models import AgendaItem, Session
    from dossiers import services as dossier_services
    from dossiers.models import AwardType, Dossier, DossierDocument, DossierNominee, Nominee
    from innovation import services as innovation_services
    from innovation.models import Initiative, Round
    from organisations.models import Council, Unit
    from plan import services as plan_services
    from plan.models import Activity, Plan
    from workflows.models import AuditCheckRun

    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    users = get_user_model().objects
    world = World()
    for role, username in DEMO_USERS.items():
        world.users[role] = users.get(username=username)
    world.users["anonymous"] = None
    unit_a = Unit.objects.get(code="ninh-kieu")
    unit_b = Membership.objects.filter(user=world.users["unit_b"], role=Role.UNIT_OFFICER).get().unit
    _lapsed_users(world, unit_a)
    board = world.users["board"]
    officer = world.users["unit_a"]

    dossier = Dossier.objects.filter(unit=unit_a, state="draft").order_by("pk").first()
    line = DossierNominee.objects.filter(dossier=dossier).order_by("pk").first()
    document = DossierDocument.objects.filter(dossier__unit=unit_a).order_by("pk").first()
    if document is None:
        document = dossier_services.document_upload(
            dossier=dossier, kind="submission_letter", upload=pdf(), user=officer
        )
    nominee = Nominee.objects.filter(unit=unit_a).order_by("pk").first()
    plan = Plan.objects.order_by("year").first()
    activity = Activity.objects.filter(plan=plan).order_by("pk").first()
    unit_plan = plan_services.unit_plan_register(
        plan=plan, unit=unit_a, actor=_actor(officer), number="12/KH-UBND", summary="Kế hoạch của quận"
    )
    session = Session.objects.order_by("pk").first()
    item = AgendaItem.objects.filter(session=session).order_by("pk").first()
    round_ = Round.objects.order_by("pk").first()
    initiative = Initiative.objects.filter(round=round_).order_by("pk").first()
    evidence = innovation_services.evidence_upload(
        initiative=initiative, upload=pdf("minh-chung.pdf"), actor=officer
    )
    author = initiative.authors.order_by("pk").first()
    assignment, review = _review(world, board, round_, initiative)
    # The exports exist once a dossier is posted publicly; the appraised demo dossier stands in for one.
    posted = Dossier.objects.filter(unit=unit_a, state="appraised").order_by("pk").first()
    Dossier.objects.filter(pk=posted.pk).update(state="posted")
    DossierNominee.objects.filter(dossier=posted).update(state="passed")
    if with_votes:
        _voted_session(world, board)
    from dossiers.unit_round import round_create

    unit_round = round_create(
        unit=unit_a, year=plan.year, title="Bình xét thi đua của quận", actor=_actor(officer)
    )

    world.objects.update(
        unit_a=unit_a,
        unit_b=unit_b,
        dossier=dossier,
        line=line,
        document=document,
        nominee=nominee,
        plan=plan,
        activity=activity,
        unit_plan=unit_plan,
        session=session,
        item=item,
        round=round_,
        initiative=initiative,
        evidence=evidence,
        author=author,
        assignment=assignment,
        review=review,
        award=AwardType.objects.order_by("pk").first(),
        council=Council.objects.order_by("pk").first(),
        membership=Membership.objects.filter(user=officer).first(),
        unit_round=unit_round,
    )
    world.kwargs = {
        "dossier": {"pk": dossier.pk},
        "posted_dossier": {"pk": posted.pk},
        "voted_session": {"pk": world.objects["voted_session"].pk} if with_votes else {"pk": session.pk},
        "line": {"pk": line.pk},
        "document": {"pk": document.pk},
        "dossier_document": {"pk": document.dossier_id, "document_id": document.pk},
        "dossier_comment": {"pk": dossier.pk, "comment_id": 0},
        "dossier_consultation": {"pk": dossier.pk, "consultation_id": 0},
        "nominee": {"pk": nominee.pk},
        "nominee_declare": {"pk": nominee.pk, "kind": "title"},
        "history_review": {"kind": "title", "pk": 0, "verb": "confirm"},
        "history_review_api": {"pk": nominee.pk, "kind": "title", "record_id": 0, "verb": "confirm"},
        "hold_lift": {"pk": 0},
        "hold_lift_api": {"pk": nominee.pk, "hold_id": 0},
        "year": {"year": plan.year},
        "plan": {"pk": plan.pk},
        "activity": {"pk": activity.pk},
        "unit_plan": {"pk": unit_plan.pk},
        "session": {"pk": session.pk},
        "item": {"pk": item.pk},
        "round": {"pk": round_.pk},
        "initiative": {"pk": initiative.pk},
        "evidence": {"pk": evidence.pk},
        "certificate": {"pk": initiative.pk, "author_pk": author.pk},
        "certificate_api": {"pk": initiative.pk, "author_id": author.pk},
        "assignment": {"pk": assignment.pk},
        "review": {"pk": review.pk},
        "award": {"pk": world.objects["award"].pk},
        "rule_version": {"pk": world.objects["award"].rule_version_id},
        "rule_award": {"pk": world.objects["award"].pk},
        "eligibility": {"pk": world.objects["award"].pk, "nominee_id": nominee.pk},
        "council": {"pk": world.objects["council"].pk},
        "unit": {"pk": unit_a.pk},
        "membership": {"pk": world.objects["membership"].pk},
        "dossier_transition": {"pk": dossier.pk, "transition": "submit"},
        "unit_round": {"pk": unit_round.pk},
        "unit_round_transition": {"pk": unit_round.pk, "transition": "submit"},
        "line_transition": {"pk": line.pk, "transition": "propose"},
        "activity_transition": {"pk": activity.pk, "transition": "start"},
        "session_transition": {"pk": session.pk, "transition": "convene"},
        "session_expert": {"pk": session.pk, "user_id": officer.pk},  # no expert is invited
        "written_vote": (
            {"pk": world.objects["voted_session"].pk, "vote_pk": world.objects["written_vote"].pk}
            if with_votes
            else {"pk": session.pk, "vote_pk": 0}
        ),
        "item_transition": {"pk": item.pk, "transition": "close_ballot"},
        "round_transition": {"pk": round_.pk, "transition": "complete_reviews"},
        "initiative_transition": {"pk": initiative.pk, "transition": "screen"},
        "history": {"app_label": "dossiers", "model_name": "dossier", "pk": str(dossier.pk)},
        "web_transition": {
            "app_label": "dossiers",
            "model_name": "dossier",
            "pk": str(dossier.pk),
            "name": "submit",
        },
        # a webhook subscription of the Board head, who is none of the matrix's roles: everyone else gets 404
        "webhook": {"pk": _webhook().pk},
        "webhook_delivery": {"pk": _webhook().pk, "delivery_id": 0},
        # a finished check of the audit log (its page and JSON status: auditors and the Board head)
        "audit_check_run": {"pk": AuditCheckRun.objects.create(mode="full", state="passed", active=None).pk},
    }
    return world


def _webhook():
    from webhooks.models import Subscription

    owner = get_user_model().objects.get(username="board.head")
    subscription = Subscription.objects.filter(owner=owner).first()
    return subscription or Subscription.objects.create(
        name="Cổng tỉnh", url="https://portal.example.org/hook", secret="x" * 43, owner=owner
    )


def _actor(user):
    from workflows import audit

    return audit.Actor(user=user)


__all__ = ["ROLES", "SYSTEM", "World", "build_world", "pdf"]
