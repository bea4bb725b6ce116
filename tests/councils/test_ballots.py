"""Secret ballots: one per member, refusals audited, recusal, written and paper votes, secrecy, results pushed out."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from councils import registry, selectors, services
from councils.models import Ballot, BallotReceipt, ItemState
from councils.registry import ThresholdBase
from tests.testapp.models import Widget
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import AuditEvent, Role
from workflows.services import membership_grant

from .conftest import MEETING_DAY, start_voting, threshold
from .test_written_votes import pdf_bytes

pytestmark = pytest.mark.django_db


def refusals(item):
    return [
        (e.data["member"], e.data["reason"])
        for e in AuditEvent.objects.filter(verb="ballot_refused", subject_id=str(item.pk))
    ]


def test_second_ballot_refused_by_the_service_and_audited(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    member = c.members[0]
    services.ballot_cast(item=item, choice="agree", actor=member)
    with pytest.raises(engine.TransitionNotAllowed) as error:
        services.ballot_cast(item=item, choice="disagree", actor=member)
    assert "đã bỏ phiếu" in error.value.message
    assert Ballot.objects.filter(item=item).count() == 1
    assert refusals(item) == [(member.username, "second_ballot")]


def test_second_receipt_refused_by_the_database(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    BallotReceipt.objects.create(item=item, member=c.members[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        BallotReceipt.objects.create(item=item, member=c.members[0])


def test_non_member_is_refused_and_audited(council, session_for, person):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    outsider = person("outsider", Role.BOARD_HEAD)
    with pytest.raises(engine.ActionForbidden) as error:
        services.ballot_cast(item=item, choice="agree", actor=outsider)
    assert "không phải thành viên" in error.value.message
    assert refusals(item) == [("outsider", "not_member")]


def test_absent_member_is_refused(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c, present=c.voters[:3])
    item = session.items.get()
    with pytest.raises(engine.ActionForbidden) as error:
        services.ballot_cast(item=item, choice="agree", actor=c.voters[3])
    assert "không có mặt" in error.value.message
    assert refusals(item) == [(c.voters[3].username, "absent")]


def test_recused_member_cannot_vote_and_is_left_out_of_turnout(council, session_for):
    c = council(size=4)
    nominee = c.members[0]
    session = start_voting(session_for(c, nominee=nominee), c)
    item = session.items.get()
    with pytest.raises(engine.ActionForbidden) as error:
        services.ballot_cast(item=item, choice="agree", actor=nominee)
    assert "không tham gia biểu quyết" in error.value.message
    assert refusals(item) == [(nominee.username, "recused")]
    [row] = selectors.turnout(session)
    assert (row["eligible"], row["recused"], row["received"]) == (3, 1, 0)


def test_declared_conflict_is_a_recusal_and_audited(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    member = c.members[1]
    services.recusal_declare(item=item, member=member, note="Người thân của người được đề nghị", actor=member)
    with pytest.raises(engine.ActionForbidden):
        services.ballot_cast(item=item, choice="agree", actor=member)
    event = AuditEvent.objects.get(verb="recusal_recorded", subject_id=str(item.pk))
    assert event.data == {
        "member": member.username,
        "item": item.pk,
        "reason": "declared",
        "automatic": False,
    }


def test_vote_after_close_is_refused_and_audited(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    services.ballot_cast(item=item, choice="agree", actor=c.chair)
    engine.perform(item, "close_ballot", user=c.secretary)
    with pytest.raises(engine.TransitionNotAllowed) as error:
        services.ballot_cast(item=item, choice="agree", actor=c.members[0])
    assert "Đã kết thúc bỏ phiếu" in error.value.message
    assert refusals(item) == [(c.members[0].username, "closed")]


def test_abstain_only_where_the_rule_allows_it(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    with pytest.raises(Exception) as error:
        services.ballot_cast(item=item, choice="abstain", actor=c.chair)
    assert "không biểu quyết" in str(error.value)
    assert not BallotReceipt.objects.filter(item=item).exists()
    allowing = council(size=4, abstain_allowed=True)
    session2 = start_voting(session_for(allowing), allowing)
    services.ballot_cast(item=session2.items.get(), choice="abstain", actor=allowing.chair)


def test_item_by_item_voting_opens_one_item_at_a_time(council, session_for):
    c = council(size=4)
    session = session_for(c, items=[("Mục 1", threshold("50")), ("Mục 2", threshold("50"))])
    start_voting(session, c, mode="item_by_item")
    first, second = session.items.order_by("order")
    with pytest.raises(engine.TransitionNotAllowed) as error:
        services.ballot_cast(item=second, choice="agree", actor=c.chair)
    assert "Chưa mở bỏ phiếu" in error.value.message
    services.ballot_cast(item=first, choice="agree", actor=c.chair)
    engine.perform(first, "close_ballot", user=c.secretary)
    services.ballot_cast(item=second, choice="agree", actor=c.chair)


def test_written_votes_refused_where_the_rule_forbids_them(council, session_for):
    c = council(size=4, written_votes_allowed=False)
    session = start_voting(session_for(c), c, present=c.voters[:3])
    services.attendance_record(session=session, member=c.voters[3], status="absent", actor=c.secretary)
    document = SimpleUploadedFile("phieu.pdf", pdf_bytes(), content_type="application/pdf")
    with pytest.raises(Exception) as error:
        services.written_vote_record(
            session=session,
            member=c.voters[3],
            choices={session.items.get().pk: "agree"},
            document=document,
            actor=c.secretary,
        )
    assert "không cho phép" in str(error.value)


def test_paper_tally_needs_a_second_person(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    with pytest.raises(Exception) as error:
        engine.perform(
            item,
            "enter_tally",
            user=c.secretary,
            data={"agree": 4, "disagree": 1, "abstain": 0, "invalid": 0},
        )
    assert "vượt số thành viên" in str(error.value)
    engine.perform(
        item, "enter_tally", user=c.secretary, data={"agree": 4, "disagree": 0, "abstain": 0, "invalid": 0}
    )
    item.refresh_from_db()
    assert item.passed is None  # the tally does not stand yet
    with pytest.raises(engine.TransitionNotAllowed):
        services.ballot_cast(item=item, choice="agree", actor=c.chair)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(item, "confirm_tally", user=c.members[0])  # an ordinary member may not confirm
    engine.perform(item, "confirm_tally", user=c.standing)
    item.refresh_from_db()
    assert (item.state, item.agree_count, item.passed, item.paper_tally) == (ItemState.COUNTED, 4, True, True)
    assert item.tally_confirmed_by == c.standing


def test_paper_tally_confirmer_must_differ_from_who_entered_it(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    membership_grant(user=c.chair, role=Role.COUNCIL_SECRETARY, council_term=c.term, actor=SYSTEM)
    engine.perform(
        item, "enter_tally", user=c.chair, data={"agree": 3, "disagree": 1, "abstain": 0, "invalid": 0}
    )
    with pytest.raises(engine.ActionForbidden) as error:
        engine.perform(item, "confirm_tally", user=c.chair)
    assert "khác người đã nhập" in error.value.message
    engine.perform(item, "reject_tally", user=c.standing, data={"comment": "Sai số phiếu"})
    item.refresh_from_db()
    assert (item.state, item.tally_agree) == (ItemState.PENDING, None)


def test_no_field_or_relation_links_a_receipt_to_a_ballot():
    """Secrecy by construction: receipts know member and item; ballots know item and choice; nothing else."""
    receipt_fields = {f.name for f in BallotReceipt._meta.get_fields()}
    ballot_fields = {f.name for f in Ballot._meta.get_fields()}
    assert receipt_fields == {"id", "item", "member", "written"}
    assert ballot_fields == {"id", "item", "sealed"}
    for model in (BallotReceipt, Ballot):
        for f in model._meta.get_fields():
            assert not (f.is_relation and f.related_model in (BallotReceipt, Ballot)), (model, f.name)
            assert f.get_internal_type() not in {"DateTimeField", "DateField", "AutoField"} or f.name == "id"
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    assert Ballot._meta.ordering == []


def test_admin_does_not_expose_ballots_or_receipts():
    from django.contrib import admin

    assert Ballot not in admin.site._registry and BallotReceipt not in admin.site._registry


def test_sealed_ballots_are_counted_then_deleted_at_close(council, session_for):
    c = council(size=6)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    for member, choice in zip(
        c.voters, ["agree", "agree", "disagree", "agree", "disagree", "agree"], strict=True
    ):
        services.ballot_cast(item=item, choice=choice, actor=member)
    assert Ballot.objects.filter(item=item).count() == 6
    engine.perform(item, "close_ballot", user=c.secretary)
    assert not Ballot.objects.filter(item=item).exists()
    item.refresh_from_db()
    assert (item.agree_count, item.disagree_count, item.base_count) == (4, 2, 6)


@pytest.mark.parametrize(
    ("rule", "agree", "passed", "explanation"),
    [
        (threshold("90"), 17, False, "17/20 đồng ý = 85,0 % < 90 % → không đạt"),
        (threshold("90"), 18, True, "18/20 đồng ý = 90,0 % ≥ 90 % → đạt"),
        (threshold("90"), 19, True, "19/20 đồng ý = 95,0 % ≥ 90 % → đạt"),
        (threshold("66.67", ratio=(2, 3)), 13, False, "13/20 đồng ý = 65,0 % < 2/3 → không đạt"),
        (threshold("50", strict=True), 10, False, "10/20 đồng ý = 50,0 % ≤ 50 % → không đạt"),
        (threshold("50", strict=True), 11, True, "11/20 đồng ý = 55,0 % > 50 % → đạt"),
        (
            threshold("50", strict=True, base=ThresholdBase.PRESENT),
            9,
            False,
            "9/18 đồng ý = 50,0 % ≤ 50 % → không đạt",
        ),
    ],
)
def test_thresholds_on_a_counted_session(council, session_for, rule, agree, passed, explanation):
    """Electronic votes of 20 members (18 present for the "present" base); the result and its computation."""
    c = council(size=20)
    present = c.voters[:18] if rule.base == ThresholdBase.PRESENT else c.voters
    session = start_voting(session_for(c, items=[("Mục", rule)]), c, present=present)
    item = session.items.get()
    for index, member in enumerate(present):
        services.ballot_cast(item=item, choice="agree" if index < agree else "disagree", actor=member)
    services.session_close_voting(session=session, user=c.chair)
    item.refresh_from_db()
    assert (item.passed, item.result_explanation) == (passed, explanation)


def test_results_flow_to_the_registered_subject(council, session_for, unit, person):
    """Issuing the resolution pushes each item's result to its subject's handler, which moves it by the engine."""
    c = council(size=4)
    widget = Widget.objects.create(title="Hồ sơ ông A", unit=unit)
    head = person("unit-head", Role.UNIT_HEAD, unit=unit)
    received = []

    def on_result(*, subject, result, actor):
        received.append((subject, result, actor.user))
        engine.perform(subject, "submit", user=head)

    def agenda_terms(*, subject, session):
        return registry.AgendaTerms(title=f"Khen thưởng: {subject.title}", threshold=threshold("90"))

    registry.register_subject(Widget, agenda_terms=agenda_terms, on_result=on_result)
    try:
        session = start_voting(session_for(c, subject=widget), c)
        item = session.items.get()
        for member in c.voters:
            services.ballot_cast(item=item, choice="agree", actor=member)
        services.session_close_voting(session=session, user=c.secretary)
        engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "01/BB"})
        engine.perform(session, "sign_minutes", user=c.chair)
        assert received == []
        engine.perform(
            session,
            "issue_resolution",
            user=c.chair,
            data={"resolution_number": "01/NQ", "resolution_issued_on": MEETING_DAY.isoformat()},
        )
    finally:
        registry.unregister_subject(Widget)
    [(subject, result, actor_user)] = received
    assert subject == widget and actor_user == c.chair
    assert (result.passed, result.agree, result.base_count, result.item_id) == (True, 4, 4, item.pk)
    assert result.explanation == "4/4 đồng ý = 100,0 % ≥ 90 % → đạt"
    widget.refresh_from_db()
    assert widget.state == "submitted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_ballots_are_each_counted_exactly_once(council, session_for):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL row locks and concurrent connections (set DATABASE_URL); SQLite serialises "
            "writers and its audit triggers refuse the DELETE a transactional test needs"
        )
    c = council(size=30)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    barrier = threading.Barrier(len(c.voters))
    errors = []

    def vote(member, choice):
        try:
            barrier.wait()
            services.ballot_cast(item=item, choice=choice, actor=member)
            try:  # a second, concurrent attempt by the same member must fail
                services.ballot_cast(item=item, choice=choice, actor=member)
            except engine.TransitionNotAllowed:
                pass
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=vote, args=(m, "agree" if i % 3 else "disagree"))
        for i, m in enumerate(c.voters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert BallotReceipt.objects.filter(item=item).count() == 30
    assert selectors.tally(item) == {"agree": 20, "disagree": 10, "abstain": 0}
    assert AuditEvent.objects.filter(verb="ballot_cast", subject_id=str(item.pk)).count() == 30
