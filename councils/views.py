"""Council pages: members' sessions and ballot sheet, the secretary's console, the chair's actions, PDFs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations.models import CouncilTerm
from workflows import engine
from workflows.api import client_ip
from workflows.http import request_actor
from workflows.policies import PolicyDenied, decide_many, may_read_everything
from workflows.throttle import limit_exports
from workflows.uploads import pdf_download
from workflows.views import safe_next_url

from . import documents, policies, selectors, services
from .forms import (
    AgendaItemForm,
    AttendanceForm,
    ExpertInviteForm,
    RecusalForm,
    SessionCreateForm,
    WrittenVoteForm,
)
from .models import (
    AgendaItem,
    AttendanceStatus,
    Choice,
    ItemState,
    Session,
    SessionState,
    WrittenVote,
    WrittenVoteStatus,
)
from .templatetags.councils_extras import full_name


def _visible_session(request, pk) -> Session:
    session = get_object_or_404(Session.objects.select_related("council_term__council"), pk=pk)
    if not policies.may_view_session(request.user, session):
        raise Http404
    return session


def _flags(user, session: Session) -> dict:
    """The page's switches, each a decision of the permission layer (councils.policies); `may` holds them all
    by name (`may.invite_expert`, `may.read_session_documents` …) with their reasons."""
    may = decide_many(
        user,
        session,
        policies.may_record_attendance,
        policies.may_follow_turnout,
        policies.may_cast_ballot,
        policies.may_edit_agenda,
        policies.may_download_written_vote,
        policies.may_read_written_votes,
        policies.may_read_session_documents,
        policies.may_invite_expert,
        policies.may_attend_as_expert,
        may_read_everything,
    )
    return {
        "may": may,
        "is_secretary": may["record_attendance"].allowed,
        "is_board": may["read_everything"].allowed,
        "is_voter": may["cast_ballot"].allowed,
        "is_expert": may["attend_as_expert"].allowed,
    }


@login_required
def session_list(request):
    """Sessions the user may see: the Board all, members those of the terms they sit on."""
    sessions = selectors.sessions_visible_to(request.user).prefetch_related("items")
    return render(
        request,
        "councils/session_list.html",
        {
            "sessions": sessions,
            "can_create": bool(policies.may_create_session(request.user) or _plannable_terms(request.user)),
        },
    )


def _plannable_terms(user) -> list:
    """The council terms whose sessions the user may plan: the Board any; a unit's own council (kind «unit»)
    also its secretary and the unit's officer or head (each term asked of the policy)."""
    terms = CouncilTerm.objects.select_related("council").order_by("council__name", "-starts_on")
    return [term for term in terms if policies.may_create_session(user, term)]


@login_required
def session_create(request):
    decision = policies.may_create_session(request.user)
    terms = _plannable_terms(request.user)
    if not decision and not terms:
        raise PolicyDenied(decision.reason, decision.status)
    form = SessionCreateForm(request.POST or None, terms=terms)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except PolicyDenied as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lập phiên họp «%(title)s».") % {"title": session.title})
            return redirect(safe_next_url(request, fallback=session.get_absolute_url()))
    return render(
        request,
        "councils/session_form.html",
        {"form": form, "next": safe_next_url(request, fallback="")},
        status=400 if form.errors else 200,
    )


@login_required
def session_detail(request, pk):
    """One page for everyone: the ballot sheet for members, the console for the secretary and the chair."""
    return _detail(request, _visible_session(request, pk))


def _detail(
    request,
    session: Session,
    *,
    written: dict | None = None,
    roster: dict | None = None,
    expert_form: ExpertInviteForm | None = None,
    status: int = 200,
):
    """The session page; `written` carries a refused written-vote form back (values and errors by field),
    `roster` a refused attendance roster (statuses chosen and errors, by member id), `expert_form` a refused
    invitation of an outside expert (what was typed, the reason next to the field)."""
    flags = _flags(request.user, session)
    may = flags["may"]
    items = list(session.items.select_related("proposing_unit").order_by("order", "pk"))
    my_receipts = set(session.items.filter(receipts__member=request.user).values_list("pk", flat=True))
    attendance = selectors.attendance_map(session)
    my_status = attendance.get(request.user.pk)
    rows = []
    for item in items:
        recusal = selectors.recusal_reason(item, request.user) if flags["is_voter"] else None
        rows.append(
            {
                "item": item,
                "recusal": recusal,
                "voted": item.pk in my_receipts,
                "can_vote": (
                    flags["is_voter"]
                    and not recusal
                    and item.pk not in my_receipts
                    and selectors.ballot_open(item)
                    and my_status is not None
                    and my_status.status == AttendanceStatus.PRESENT
                ),
                "transitions": [c for c in engine.available(item, request.user) if c.allowed],
            }
        )
    console = may["follow_turnout"].allowed
    members = selectors.members(session) if (console or flags["is_board"]) else []
    experts = selectors.session_experts(session)
    inviting = may["invite_expert"].allowed and session.state != SessionState.CANCELLED
    return render(
        request,
        "councils/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "any_ballot": any(row["can_vote"] for row in rows),
            **flags,
            "console": console,
            "transitions": [c for c in engine.available(session, request.user) if c.allowed],
            "choices": [c for c in Choice if c != Choice.ABSTAIN or session.abstain_allowed],
            "quorum": selectors.quorum(session),
            "turnout": selectors.turnout(session) if console and session.state == SessionState.VOTING else [],
            "members": _roster_rows(members, attendance, roster),
            "attendance_open": session.state in services.ATTENDANCE_STATES,
            "roster_statuses": ROSTER_STATUSES,
            "roster_refused": bool(roster),
            "my_status": my_status,
            "results_visible": may["read_session_documents"].allowed,
            "written_votes_open": session.written_votes_allowed and session.state == SessionState.VOTING,
            "can_add_items": session.state in services.AGENDA_OPEN_STATES and may["edit_agenda"].allowed,
            "pending_items": [i for i in items if i.state == ItemState.PENDING],
            "written": written or {"values": {}, "errors": {}},
            "absent_members": [
                m
                for m in members
                if (a := attendance.get(m.pk)) is not None and a.status == AttendanceStatus.ABSENT
            ],
            "written_votes": (
                _written_votes(request, session, items) if may["read_written_votes"].allowed else []
            ),
            "may_download_written": may["download_written_vote"].allowed,
            "experts": experts,
            "may_invite_expert": inviting,
            "may_uninvite_expert": may["invite_expert"].allowed,
            "expert_form": expert_form or ExpertInviteForm(),
            "expert_candidates": (
                policies.expert_candidates(session, [e.pk for e in experts]) if inviting else []
            ),
        },
        status=status,
    )


# what the roster offers; "absent, written vote" is set only by the written-vote flow and shown read-only
ROSTER_STATUSES = [(s.value, s.label) for s in (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)]


def _roster_rows(members, attendance: dict, roster: dict | None) -> list[dict]:
    """One row per member: their attendance, the status chosen on the roster (what was typed when refused), and
    the row's error; a member who sent a written vote is not editable on the roster."""
    values = (roster or {}).get("values", {})
    errors = (roster or {}).get("errors", {})
    rows = []
    for member in members:
        current = attendance.get(member.pk)
        rows.append(
            {
                "user": member,
                "attendance": current,
                "chosen": values.get(member.pk, current.status if current else ""),
                "editable": current is None or current.status != AttendanceStatus.ABSENT_WRITTEN,
                "error": errors.get(member.pk, ""),
            }
        )
    return rows


def _written_votes(request, session: Session, items) -> list[dict]:
    """The session's written votes; for a pending one the person who may confirm it sees what was entered,
    to compare with the signed PDF."""
    titles = {item.pk: f"{item.order}. {item.title}" for item in items}
    labels = dict(Choice.choices)
    rows = []
    for vote in session.written_votes.select_related("member", "recorded_by", "decided_by").order_by("pk"):
        entered = []
        may_decide = False
        if vote.status == WrittenVoteStatus.PENDING and policies.may_decide_written_vote(request.user, vote):
            choices = services.written_vote_choices(vote=vote, actor=request_actor(request))
            may_decide = True
            entered = [(titles.get(pk, pk), labels.get(choice, choice)) for pk, choice in choices.items()]
        rows.append(
            {
                "vote": vote,
                "items": [titles.get(pk, pk) for pk in vote.item_ids],
                "entered": entered,
                "may_decide": may_decide,
            }
        )
    return rows


@login_required
def agenda_item_add(request, pk):
    session = _visible_session(request, pk)
    form = AgendaItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_add(
                session=session,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                proposing_unit=form.cleaned_data["proposing_unit"],
                threshold=form.threshold(),
                actor=request_actor(request),
            )
        except (PolicyDenied, engine.TransitionNotAllowed) as exc:
            messages.error(request, exc.message)
            return redirect(session)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, field_messages in errors.items():
                form.add_error(field if field in form.fields else None, "; ".join(field_messages))
        else:
            messages.success(request, _("Đã thêm mục vào chương trình họp."))
            return redirect(session)
    return render(
        request,
        "councils/agenda_item_form.html",
        {"form": form, "session": session},
        status=400 if form.errors else 200,
    )


def _run(request, session, action) -> None:
    """Run a service; put its refusal, in Vietnamese, on the page."""
    try:
        action()
    except (PolicyDenied, engine.TransitionNotAllowed) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        return True
    return False


@login_required
@require_POST
def ballot_cast(request, pk):
    """The member's ballot sheet: one choice per open item, each cast as its own secret ballot."""
    session = _visible_session(request, pk)
    cast = 0
    for item in session.items.order_by("order", "pk"):
        choice = request.POST.get(f"item-{item.pk}")
        if not choice:
            continue
        if _run(
            request,
            session,
            lambda item=item, choice=choice: services.ballot_cast(
                item=item, choice=choice, actor=request_actor(request)
            ),
        ):
            cast += 1
    if cast:
        messages.success(request, _("Đã ghi nhận %(n)s phiếu bầu kín của bạn.") % {"n": cast})
    elif not any(key.startswith("item-") for key in request.POST):
        messages.error(request, _("Bạn chưa chọn nội dung nào trên phiếu bầu."))
    return redirect(session)


@login_required
@require_POST
def attendance_record(request, pk):
    """The whole roster in one save (fields status-<member id>), all or nothing, each refused row's reason next
    to it; a POST with `member` and `status` still records one member (the former one-row form)."""
    session = _visible_session(request, pk)
    if "member" in request.POST:
        return _attendance_one(request, session)
    statuses = {}
    for key, value in request.POST.items():
        name, _sep, member_id = key.partition("-")
        if name == "status" and member_id.isdigit() and len(member_id) < 12 and value:
            statuses[int(member_id)] = value
    try:
        changes = services.attendance_roster_record(
            session=session, statuses=statuses, actor=request_actor(request)
        )
    except services.RosterRefused as exc:
        messages.error(request, exc.message)
        return _detail(request, session, roster={"values": statuses, "errors": exc.rows}, status=400)
    except (PolicyDenied, engine.TransitionNotAllowed) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if changes:
            messages.success(request, _("Đã lưu điểm danh: %(n)s thành viên thay đổi.") % {"n": len(changes)})
        else:
            messages.info(request, _("Điểm danh không có gì thay đổi."))
    return redirect(session)


def _attendance_one(request, session: Session):
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Thông tin điểm danh không hợp lệ."))
        return redirect(session)
    member = get_object_or_404(get_user_model(), pk=form.cleaned_data["member"])
    if _run(
        request,
        session,
        lambda: services.attendance_record(
            session=session, member=member, status=form.cleaned_data["status"], actor=request_actor(request)
        ),
    ):
        messages.success(request, _("Đã điểm danh %(name)s.") % {"name": full_name(member)})
    return redirect(session)


@login_required
@require_POST
def written_vote_record(request, pk):
    """The secretary records an absent member's signed written vote; a refusal comes back on the form, next to
    the field, with what was typed still selected."""
    session = _visible_session(request, pk)
    form = WrittenVoteForm(request.POST, request.FILES)
    choices = {
        item.pk: request.POST[f"written-{item.pk}"]
        for item in session.items.only("pk")
        if request.POST.get(f"written-{item.pk}")
    }
    values = {"member": request.POST.get("member", ""), "choices": choices}
    errors: dict[str, list[str]] = {}
    member = None
    if not form.is_valid():
        for field, messages_ in form.errors.items():
            errors.setdefault(field, []).extend(messages_)
    else:
        member = get_user_model().objects.filter(pk=form.cleaned_data["member"]).first()
        if member is None:
            errors["member"] = [_("Không tìm thấy thành viên này.")]
    if not errors:
        try:
            services.written_vote_record(
                session=session,
                member=member,
                choices=choices,
                document=form.cleaned_data["document"],
                actor=request_actor(request),
            )
        except (PolicyDenied, engine.TransitionNotAllowed) as exc:
            errors["general"] = [exc.message]
        except ValidationError as exc:
            for field, messages_ in getattr(exc, "message_dict", {"general": exc.messages}).items():
                errors.setdefault(
                    field if field in {"member", "document", "choices"} else "general", []
                ).extend(messages_)
    if errors:
        messages.error(request, _("Chưa ghi nhận phiếu bằng văn bản: xem lỗi bên dưới."))
        return _detail(request, session, written={"values": values, "errors": errors}, status=400)
    messages.success(
        request,
        _("Đã ghi nhận phiếu bằng văn bản của %(name)s; phiếu chỉ được tính khi người thứ hai xác nhận.")
        % {"name": full_name(member)},
    )
    return redirect(session)


def _written_vote(request, pk, vote_pk) -> tuple[Session, WrittenVote]:
    session = _visible_session(request, pk)
    return session, get_object_or_404(
        WrittenVote.objects.select_related("session"), pk=vote_pk, session=session
    )


@login_required
@require_POST
def written_vote_confirm(request, pk, vote_pk):
    """A second person confirms a written vote against its signed PDF."""
    session, vote = _written_vote(request, pk, vote_pk)
    if _run(request, session, lambda: services.written_vote_confirm(vote=vote, actor=request_actor(request))):
        messages.success(
            request, _("Đã xác nhận phiếu bằng văn bản của %(name)s.") % {"name": full_name(vote.member)}
        )
    return redirect(session)


@login_required
@require_POST
def written_vote_reject(request, pk, vote_pk):
    """The second person sends a written vote back, with a reason."""
    session, vote = _written_vote(request, pk, vote_pk)
    reason = request.POST.get("reason", "")
    if _run(
        request,
        session,
        lambda: services.written_vote_reject(vote=vote, reason=reason, actor=request_actor(request)),
    ):
        messages.success(
            request, _("Đã trả lại phiếu bằng văn bản của %(name)s.") % {"name": full_name(vote.member)}
        )
    return redirect(session)


@login_required
def written_vote_document(request, pk, vote_pk):
    """The signed PDF of a written vote, for the council's secretary and chair and the Board."""
    session, vote = _written_vote(request, pk, vote_pk)
    if not policies.may_download_written_vote(request.user, session):
        raise Http404
    return pdf_download(vote.document.open("rb"), vote.document.name, "phieu-van-ban.pdf")


@login_required
@require_POST
def recusal_declare(request, pk):
    item = get_object_or_404(AgendaItem.objects.select_related("session"), pk=pk)
    session = _visible_session(request, item.session_id)
    form = RecusalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cần nêu lý do xung đột lợi ích."))
        return redirect(session)
    if _run(
        request,
        session,
        lambda: services.recusal_declare(
            item=item, member=request.user, note=form.cleaned_data["note"], actor=request_actor(request)
        ),
    ):
        messages.success(request, _("Đã ghi nhận: bạn không tham gia biểu quyết mục này."))
    return redirect(session)


@login_required
@require_POST
def close_voting(request, pk):
    """Closing the voting is irreversible: a POST without `confirmed=1` shows what it would do (present members
    who have not voted lose their vote) and asks for confirmation; nothing changes until then."""
    session = _visible_session(request, pk)
    if request.POST.get("confirmed") != "1":
        if session.state != SessionState.VOTING:
            messages.error(request, _("Phiên họp không ở giai đoạn bỏ phiếu."))
            return redirect(session)
        decision = policies.may_close_voting(request.user, session)
        if not decision:
            messages.error(request, decision.reason)
            return redirect(session)
        not_voted = selectors.present_not_voted(session)
        return render(
            request,
            "councils/close_voting_confirm.html",
            {
                "session": session,
                "not_voted": not_voted,
                "pending_items": session.items.filter(state=ItemState.PENDING).order_by("order", "pk"),
                "pending_written": selectors.pending_written_item_ids(session),
                "quorum": selectors.quorum(session),
            },
        )
    if _run(
        request,
        session,
        lambda: services.session_close_voting(
            session=session, user=request.user, client_ip=client_ip(request)
        ),
    ):
        messages.success(request, _("Đã kết thúc bỏ phiếu và kiểm phiếu."))
    return redirect(session)


@login_required
@limit_exports
def minutes_pdf(request, pk):
    """Biên bản họp, generated from the session's data."""
    session = _visible_session(request, pk)
    if not policies.may_read_session_documents(request.user, session):
        raise Http404
    return _pdf(documents.minutes_pdf(session), f"bien-ban-hop-{session.pk}.pdf")


@login_required
@limit_exports
def tally_pdf(request, pk):
    """Biên bản kiểm phiếu, generated from the session's data."""
    session = _visible_session(request, pk)
    if not policies.may_read_session_documents(request.user, session):
        raise Http404
    return _pdf(documents.tally_pdf(session), f"bien-ban-kiem-phieu-{session.pk}.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_POST
def session_expert_invite(request, pk):
    """Invite an outside expert to this session (a Board officer or head, or the council's secretary): a user
    chosen from the list or named by username, with the reason; a refusal comes back next to the field with
    what was typed."""
    session = _visible_session(request, pk)
    actor = policies.require(policies.may_invite_expert, request_actor(request), session)
    form = ExpertInviteForm(request.POST)
    if form.is_valid():
        try:
            services.session_invite_expert(
                session=session,
                user=form.cleaned_data["expert"],
                actor=actor,
                reason=form.cleaned_data["reason"],
            )
        except engine.TransitionNotAllowed as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            for field, field_messages in getattr(exc, "message_dict", {None: exc.messages}).items():
                target = form.expert_field if field == "user" else field
                form.add_error(target if target in form.fields else None, " ".join(field_messages))
    if form.errors:
        messages.error(request, _("Chưa mời chuyên gia: xem lỗi bên dưới."))
        return _detail(request, session, expert_form=form, status=400)
    messages.success(
        request,
        _("Đã mời %(name)s dự phiên họp với tư cách chuyên gia.")
        % {"name": full_name(form.cleaned_data["expert"])},
    )
    return redirect(session.get_absolute_url() + "#chuyen-gia")


@login_required
@require_POST
def session_expert_uninvite(request, pk, user_id):
    """Withdraw an expert's invitation: they no longer see the session."""
    session = _visible_session(request, pk)
    actor = policies.require(policies.may_invite_expert, request_actor(request), session)
    expert = get_object_or_404(get_user_model(), pk=user_id)
    if _run(
        request,
        session,
        lambda: services.session_uninvite_expert(
            session=session, user=expert, actor=actor, reason=request.POST.get("reason", "")
        ),
    ):
        messages.success(request, _("Đã thôi mời %(name)s.") % {"name": full_name(expert)})
    return redirect(session.get_absolute_url() + "#chuyen-gia")
