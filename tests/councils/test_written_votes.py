"""Written votes (DOMAIN.md §3): only for a member marked absent, with a real PDF, recorded by the secretary and
counted only once a second person (another secretary or the Board, never the recorder) confirms it; every step
audited, no choice in the audit; a member has a written vote or a direct vote, never both."""

import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from councils import selectors, services
from councils.models import (
    Attendance,
    AttendanceStatus,
    Ballot,
    BallotReceipt,
    ItemState,
    WrittenVote,
    WrittenVoteStatus,
)
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import AuditEvent, Role
from workflows.services import membership_grant

from .conftest import start_voting, threshold

pytestmark = pytest.mark.django_db

ITEMS = [("Bằng khen cho bà A", threshold("50")), ("Bằng khen cho ông B", threshold("50"))]
CHOICES = {"agree", "disagree", "abstain"}


def pdf_bytes() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_pdf(name="phieu-van-ban.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture
def voting(council, session_for):
    """6 voters: the first four present (the quorum), the last two marked absent; a second secretary."""
    c = council(size=6)
    session = start_voting(session_for(c, items=ITEMS), c, present=c.voters[:4])
    second = c.members[0].__class__.objects.create(username=f"secretary2-{c.term.pk}")
    membership_grant(user=second, role=Role.COUNCIL_SECRETARY, council_term=c.term, actor=SYSTEM)
    items = list(session.items.order_by("order"))
    return c, session, items, second


def record(c, session, member, choices, document=None, actor=None):
    return services.written_vote_record(
        session=session,
        member=member,
        choices=choices,
        document=document if document is not None else signed_pdf(),
        actor=actor or c.secretary,
    )


def test_only_members_marked_absent_may_vote_in_writing(voting):
    c, session, items, _ = voting
    present, absent = c.voters[0], c.voters[4]
    with pytest.raises(Exception) as refused:
        record(c, session, present, {items[0].pk: "agree"})
    assert "điểm danh vắng mặt" in str(refused.value)
    Attendance.objects.filter(session=session, member=absent).delete()  # not marked at all
    with pytest.raises(Exception) as unmarked:
        record(c, session, absent, {items[0].pk: "agree"})
    assert "chưa điểm danh" in str(unmarked.value)
    assert not WrittenVote.objects.exists() and not BallotReceipt.objects.exists()
    # a member not marked present is not locked out by a refused written vote: once marked present, they vote
    services.attendance_record(session=session, member=absent, status="present", actor=c.secretary)
    services.ballot_cast(item=items[0], choice="agree", actor=absent)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a pdf at all", b"%PDF-1.4 only a header", b"<html><script>alert(1)</script></html>"],
)
def test_the_signed_document_must_be_a_real_pdf(voting, content):
    c, session, items, _ = voting
    document = SimpleUploadedFile("phieu.pdf", content, content_type="application/pdf")
    with pytest.raises(Exception) as refused:
        record(c, session, c.voters[4], {items[0].pk: "agree"}, document=document)
    assert "document" in getattr(refused.value, "message_dict", {"document": []})
    assert not WrittenVote.objects.exists()
    assert Attendance.objects.get(session=session, member=c.voters[4]).status == AttendanceStatus.ABSENT


def test_only_the_secretary_records_and_never_for_themself(voting, council):
    c, session, items, second = voting
    for outsider in (c.chair, c.board, c.members[1]):
        with pytest.raises(engine.ActionForbidden):
            record(c, session, c.voters[4], {items[0].pk: "agree"}, actor=outsider)
    assert not WrittenVote.objects.exists()


def test_a_written_vote_counts_only_once_a_second_person_confirms_it(voting):
    c, session, items, second = voting
    absent = c.voters[4]
    vote = record(c, session, absent, {items[0].pk: "agree", items[1].pk: "disagree"})
    assert vote.status == WrittenVoteStatus.PENDING and vote.recorded_by == c.secretary
    assert len(vote.document_sha256) == 64 and vote.document.name.endswith(".pdf")
    assert Attendance.objects.get(session=session, member=absent).status == AttendanceStatus.ABSENT_WRITTEN
    # pending: nothing counts yet, and the sealed choices say nothing readable
    assert not BallotReceipt.objects.exists() and not Ballot.objects.exists()
    assert not CHOICES & {part for part in bytes(vote.sealed_choices).split(b'"') if part.isalpha()}
    assert b"agree" not in bytes(vote.sealed_choices)
    recorded = AuditEvent.objects.get(verb="written_vote_recorded")
    assert recorded.data["member"] == absent.username and "agree" not in str(recorded.data)
    # pending, neither item can be counted nor tallied on paper
    with pytest.raises(engine.TransitionNotAllowed) as blocked:
        engine.perform(items[0], "close_ballot", user=c.secretary)
    assert "chờ xác nhận" in blocked.value.message
    with pytest.raises(engine.TransitionNotAllowed):
        services.session_close_voting(session=session, user=c.secretary)
    # the recorder, a member, the member themself, a superuser and the chair cannot confirm
    superuser = c.members[0].__class__.objects.create(username="root", is_superuser=True)
    for person in (c.secretary, c.members[0], absent, superuser, c.chair):
        with pytest.raises(engine.ActionForbidden):
            services.written_vote_confirm(vote=vote, actor=person)
    assert services.written_vote_choices(vote=vote, actor=second) == {
        items[0].pk: "agree",
        items[1].pk: "disagree",
    }
    receipts = services.written_vote_confirm(vote=vote, actor=second)
    assert {r.item_id for r in receipts} == {items[0].pk, items[1].pk} and all(r.written for r in receipts)
    vote.refresh_from_db()
    assert (vote.status, vote.decided_by, vote.sealed_choices) == (WrittenVoteStatus.CONFIRMED, second, None)
    confirmed = AuditEvent.objects.get(verb="written_vote_confirmed")
    assert confirmed.actor_id == second.pk and "agree" not in str(confirmed.data)
    with pytest.raises(engine.TransitionNotAllowed):  # decided once
        services.written_vote_confirm(vote=vote, actor=c.board)
    assert selectors.tally(items[0]) == {"agree": 1, "disagree": 0, "abstain": 0}
    for member in c.voters[:4]:
        services.ballot_cast(item=items[0], choice="agree", actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    items[0].refresh_from_db()
    items[1].refresh_from_db()
    assert (items[0].agree_count, items[0].disagree_count) == (5, 0)
    assert (items[1].agree_count, items[1].disagree_count) == (0, 1)


def test_a_board_officer_may_confirm(voting):
    c, session, items, _ = voting
    vote = record(c, session, c.voters[4], {items[0].pk: "agree"})
    services.written_vote_confirm(vote=vote, actor=c.board)
    assert BallotReceipt.objects.get(member=c.voters[4]).written


def test_a_rejected_written_vote_never_counts_and_may_be_recorded_again(voting):
    c, session, items, second = voting
    absent = c.voters[4]
    vote = record(c, session, absent, {items[0].pk: "agree"})
    with pytest.raises(Exception) as no_reason:
        services.written_vote_reject(vote=vote, reason="  ", actor=second)
    assert "lý do" in str(no_reason.value)
    with pytest.raises(engine.ActionForbidden):
        services.written_vote_reject(vote=vote, reason="Tự trả lại", actor=c.secretary)
    services.written_vote_reject(vote=vote, reason="Lựa chọn không khớp văn bản", actor=second)
    vote.refresh_from_db()
    assert (vote.status, vote.sealed_choices, vote.reject_reason) == (
        WrittenVoteStatus.REJECTED,
        None,
        "Lựa chọn không khớp văn bản",
    )
    assert Attendance.objects.get(session=session, member=absent).status == AttendanceStatus.ABSENT
    assert AuditEvent.objects.get(verb="written_vote_rejected").comment == "Lựa chọn không khớp văn bản"
    with pytest.raises(engine.TransitionNotAllowed):
        services.written_vote_confirm(vote=vote, actor=c.board)
    assert not BallotReceipt.objects.exists()
    again = record(c, session, absent, {items[0].pk: "disagree"})
    services.written_vote_confirm(vote=again, actor=second)
    engine.perform(items[0], "close_ballot", user=c.secretary)
    items[0].refresh_from_db()
    assert (items[0].agree_count, items[0].disagree_count) == (0, 1)


def test_a_member_has_a_written_vote_or_a_direct_vote_never_both(voting):
    c, session, items, second = voting
    present, absent = c.voters[0], c.voters[4]
    services.ballot_cast(item=items[0], choice="agree", actor=present)
    with pytest.raises(engine.TransitionNotAllowed):  # who voted directly cannot be marked absent
        services.attendance_record(session=session, member=present, status="absent", actor=c.secretary)
    with pytest.raises(ValidationError):  # and, present, cannot vote in writing
        record(c, session, present, {items[1].pk: "agree"})
    vote = record(c, session, absent, {items[0].pk: "agree"})
    with pytest.raises(services.BallotRefused):  # pending: no direct vote
        services.ballot_cast(item=items[0], choice="disagree", actor=absent)
    with pytest.raises(engine.TransitionNotAllowed):  # nor a second written vote
        record(c, session, absent, {items[1].pk: "agree"})
    for status in ("present", "absent"):  # nor a change of attendance that would unlock either
        with pytest.raises(engine.TransitionNotAllowed):
            services.attendance_record(session=session, member=absent, status=status, actor=c.secretary)
    with pytest.raises(Exception) as direct:  # "absent, written" is never set by hand
        services.attendance_record(
            session=session, member=c.voters[5], status="absent_written", actor=c.secretary
        )
    assert "chỉ có khi thư ký ghi nhận" in str(direct.value)
    services.written_vote_confirm(vote=vote, actor=second)
    with pytest.raises(services.BallotRefused):
        services.ballot_cast(item=items[1], choice="agree", actor=absent)
    with pytest.raises(engine.TransitionNotAllowed):
        services.attendance_record(session=session, member=absent, status="present", actor=c.secretary)
    assert BallotReceipt.objects.filter(member=absent).count() == 1


def test_items_closed_or_recused_refuse_written_choices(voting):
    c, session, items, _ = voting
    engine.perform(items[1], "close_ballot", user=c.secretary)
    with pytest.raises(engine.TransitionNotAllowed):
        record(c, session, c.voters[4], {items[1].pk: "agree"})
    with pytest.raises(Exception) as hostile:
        record(c, session, c.voters[4], {items[0].pk: "yes please"})
    assert "không hợp lệ" in str(hostile.value)
    with pytest.raises(ValidationError):
        record(c, session, c.voters[4], {999999: "agree"})
    assert not WrittenVote.objects.exists()
    assert Attendance.objects.get(session=session, member=c.voters[4]).status == AttendanceStatus.ABSENT


def test_web_form_keeps_what_was_typed_and_shows_the_error_next_to_the_field(client, voting):
    c, session, items, second = voting
    client.force_login(c.secretary)
    url = reverse("councils:written_vote_record", args=[session.pk])
    page = client.get(session.get_absolute_url()).content.decode()
    assert f'value="{c.voters[4].pk}"' in page and f'<option value="{c.voters[0].pk}"' not in page
    bad = SimpleUploadedFile("phieu.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = client.post(
        url, {"member": c.voters[4].pk, f"written-{items[0].pk}": "disagree", "document": bad}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="written-document-error"' in body and "PDF" in body
    assert f'<option value="{c.voters[4].pk}" selected>' in body
    assert '<option value="disagree" selected>' in body
    assert not WrittenVote.objects.exists()
    response = client.post(
        url, {"member": c.voters[4].pk, f"written-{items[0].pk}": "agree", "document": signed_pdf()}
    )
    assert response.status_code == 302
    vote = WrittenVote.objects.get()
    # the recorder sees it pending without the buttons; the second secretary sees what was entered, and confirms
    assert "written_vote_confirm" not in client.get(session.get_absolute_url()).content.decode()
    assert (
        f"/phieu-van-ban/{vote.pk}/xac-nhan/" not in client.get(session.get_absolute_url()).content.decode()
    )
    assert (
        client.post(reverse("councils:written_vote_confirm", args=[session.pk, vote.pk])).status_code == 302
    )
    vote.refresh_from_db()
    assert vote.status == WrittenVoteStatus.PENDING  # refused: the recorder may not confirm
    client.force_login(second)
    page = client.get(session.get_absolute_url()).content.decode()
    assert f"/phieu-van-ban/{vote.pk}/xac-nhan/" in page and "Đồng ý" in page
    document = client.get(reverse("councils:written_vote_document", args=[session.pk, vote.pk]))
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content).startswith(b"%PDF-")
    client.post(reverse("councils:written_vote_confirm", args=[session.pk, vote.pk]))
    vote.refresh_from_db()
    assert vote.status == WrittenVoteStatus.CONFIRMED
    client.force_login(c.members[1])
    assert (
        client.get(reverse("councils:written_vote_document", args=[session.pk, vote.pk])).status_code == 404
    )


def test_api_records_confirms_and_rejects_with_4xx_on_bad_input(api, voting):
    c, session, items, second = voting
    url = f"/api/sessions/{session.pk}/written-votes/"
    secretary = api(c.secretary)

    def post(member, choices, document):
        return secretary.post(
            url, {"member": member.pk, "choices": choices, "document": document}, format="multipart"
        )

    assert post(c.voters[4], f'{{"{items[0].pk}": "agree"}}', io.BytesIO(b"not a pdf")).status_code == 400
    assert post(c.voters[4], "not json", signed_pdf()).status_code == 400
    assert post(c.voters[4], '["agree"]', signed_pdf()).status_code == 400
    assert post(c.voters[0], f'{{"{items[0].pk}": "agree"}}', signed_pdf()).status_code == 400
    assert api(c.chair).post(url, {}, format="multipart").status_code == 400
    created = post(c.voters[4], f'{{"{items[0].pk}": "agree"}}', signed_pdf())
    assert created.status_code == 201, created.content
    vote = created.json()
    assert vote["status"] == "pending" and vote["items"] == [items[0].pk] and "choices" not in vote
    assert post(c.voters[4], f'{{"{items[1].pk}": "agree"}}', signed_pdf()).status_code == 409
    listed = secretary.get(url)
    assert listed.status_code == 200 and [v["id"] for v in listed.json()] == [vote["id"]]
    assert api(c.members[1]).get(url).status_code == 403
    confirm = f"{url}{vote['id']}/confirm/"
    assert secretary.post(confirm).status_code == 403  # the recorder
    assert api(c.members[1]).post(confirm).status_code == 403
    entered = api(second).get(f"{url}{vote['id']}/entered/")
    assert entered.json()["choices"] == {str(items[0].pk): "agree"}
    assert api(c.members[1]).get(f"{url}{vote['id']}/entered/").status_code == 403
    assert api(second).post(confirm).json()["status"] == "confirmed"
    assert api(second).post(confirm).status_code == 409
    assert api(second).post(f"{url}999999/confirm/").status_code == 404
    other = post(c.voters[5], f'{{"{items[0].pk}": "disagree"}}', signed_pdf()).json()
    reject = f"{url}{other['id']}/reject/"
    assert api(second).post(reject, {"reason": ""}, format="json").status_code == 400
    rejected = api(second).post(reject, {"reason": "Không khớp chữ ký"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert BallotReceipt.objects.filter(item=items[0]).count() == 1
    assert items[0].__class__.objects.get(pk=items[0].pk).state == ItemState.PENDING


def test_a_pending_written_vote_whose_key_changed_can_only_be_sent_back(client, voting, settings):
    c, session, items, second = voting
    vote = record(c, session, c.voters[4], {items[0].pk: "agree"})
    settings.BALLOT_KEY = bytes(32)  # DJANGO_BALLOT_KEY changed while the vote was pending
    client.force_login(second)
    assert client.get(session.get_absolute_url()).status_code == 200
    assert services.written_vote_choices(vote=vote, actor=second) == {}
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        services.written_vote_confirm(vote=vote, actor=second)
    assert "khóa niêm phong" in refused.value.message
    services.written_vote_reject(vote=vote, reason="Khóa đã đổi, ghi nhận lại", actor=second)
    assert not BallotReceipt.objects.exists()
