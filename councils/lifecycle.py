"""State machines of a council session and of its agenda items. Only workflows.engine.perform() runs them."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.fsm import State

from workflows.conditions import evaluated_once
from workflows.engine import ActionForbidden
from workflows.forms import DateField
from workflows.lifecycle import Lifecycle, ReasonForm, TransitionForm, allowed
from workflows.models import Role

from . import selectors
from .models import AgendaItem, AttendanceStatus, ItemState, Session, SessionState, VotingMode
from .results import apply_counts, count_electronic

SECRETARY = Role.COUNCIL_SECRETARY
CHAIRS = (Role.COUNCIL_CHAIR, Role.COUNCIL_VICE_CHAIR)
CONFIRMERS = (Role.COUNCIL_STANDING_MEMBER, *CHAIRS)


class ConveneForm(TransitionForm):
    planned_on = DateField(label=gettext_lazy("Ngày họp"))
    place = forms.CharField(label=gettext_lazy("Địa điểm"), max_length=255, required=False)
    online = forms.BooleanField(label=gettext_lazy("Họp trực tuyến"), required=False)

    def clean_planned_on(self):
        from .services import past_day_refusal

        day = self.cleaned_data["planned_on"]
        if (refusal := past_day_refusal(day)) is not None:
            raise ValidationError(refusal)
        return day


class PostponeForm(ReasonForm):
    new_date = DateField(label=gettext_lazy("Ngày họp mới"))


class VotingModeForm(TransitionForm):
    voting_mode = forms.ChoiceField(
        label=gettext_lazy("Cách bỏ phiếu"), choices=VotingMode.choices, initial=VotingMode.ALL_ITEMS
    )


class MinutesForm(TransitionForm):
    minutes_number = forms.CharField(label=gettext_lazy("Số biên bản"), max_length=60)
    minutes_text = forms.CharField(
        label=gettext_lazy("Ý kiến thảo luận và kết luận"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ResolutionForm(TransitionForm):
    resolution_number = forms.CharField(
        label=gettext_lazy("Số văn bản (nghị quyết, tờ trình)"), max_length=60
    )
    resolution_issued_on = DateField(label=gettext_lazy("Ngày ban hành"))


class TallyForm(TransitionForm):
    agree = forms.IntegerField(label=gettext_lazy("Số phiếu đồng ý"), min_value=0)
    disagree = forms.IntegerField(label=gettext_lazy("Số phiếu không đồng ý"), min_value=0)
    abstain = forms.IntegerField(label=gettext_lazy("Số phiếu không biểu quyết"), min_value=0, initial=0)
    invalid = forms.IntegerField(label=gettext_lazy("Số phiếu không hợp lệ"), min_value=0, initial=0)


def _agenda(flow) -> list[AgendaItem]:
    """The session's items in agenda order, each with the session row as its session, read once for locking the
    agenda (its two conditions and the step itself): the engine holds the session row locked, and items are
    added only under that lock, so the list cannot change before the step ends."""
    items = getattr(flow, "agenda_read", None)
    if items is None:
        items = flow.agenda_read = list(flow.obj.items.order_by("order", "pk"))
    return items


@evaluated_once
def _has_items(flow) -> State.CONDITION:
    return State.CONDITION(bool(_agenda(flow)), _("Chương trình họp chưa có mục biểu quyết nào."))


@evaluated_once
def _subjects_may_be_voted(flow) -> State.CONDITION:
    """Each item's subject may be voted on now, as its own app says (councils.registry lock checks)."""
    from .registry import lock_refusals

    found = lock_refusals(_agenda(flow))
    return State.CONDITION(not found, " ".join(found))


def _quorum_condition(session, refused, flow=None) -> State.CONDITION:
    """Quorum (DOMAIN.md §3) as a transition condition: it holds for the whole meeting, so it is checked when the
    meeting opens, when voting opens, when each item's result is counted and when voting closes. Marking members
    absent after the opening so that fewer than the quorum remain refuses the next of these steps. The figures
    stay on `flow` (quorum_read) for the transition that follows the check: the session row is locked, so the
    attendance it read cannot change before the transition records its counts. `refused` gives the refusal's
    opening words; it is asked (translated) only when the quorum is not met (a closing checks it per item)."""
    quorum = selectors.quorum(session)
    if flow is not None:
        flow.quorum_read = quorum
    if quorum.met:
        return State.CONDITION(True)
    return State.CONDITION(False, _("%(refused)s: %(why)s.") % {"refused": refused(), "why": quorum.refusal})


@evaluated_once
def _quorum_met(flow) -> State.CONDITION:
    return _quorum_condition(flow.obj, lambda: _("Chưa thể khai mạc phiên họp"), flow)


@evaluated_once
def _quorum_for_voting(flow) -> State.CONDITION:
    return _quorum_condition(flow.obj, lambda: _("Chưa thể mở bỏ phiếu"))


@evaluated_once
def _quorum_for_closing(flow) -> State.CONDITION:
    return _quorum_condition(flow.obj, lambda: _("Không thể kết thúc bỏ phiếu"), flow)


def _quorum_for_counting(flow) -> State.CONDITION:
    return _quorum_condition(
        flow.obj.session,
        lambda: _("Không thể kiểm phiếu mục «%(item)s»") % {"item": flow.obj.title},
    )


@evaluated_once
def _all_items_counted(flow) -> State.CONDITION:
    waiting = flow.obj.items.exclude(state=ItemState.COUNTED).count()
    return State.CONDITION(waiting == 0, _("Còn %(n)s mục chưa kiểm phiếu xong.") % {"n": waiting})


# An item's conditions are asked for every item of a closing session (twice: the check, then the transition):
# their refusal is translated only when they refuse (State.CONDITION's message is "" when it holds).


def _session_voting(flow) -> State.CONDITION:
    if flow.obj.session.state == SessionState.VOTING:
        return State.CONDITION(True)
    return State.CONDITION(False, _("Phiên họp không ở giai đoạn bỏ phiếu."))


def _no_pending_written_vote(flow) -> State.CONDITION:
    if flow.obj.pk not in selectors.pending_written_item_ids(flow.obj.session):
        return State.CONDITION(True)
    return State.CONDITION(
        False,
        _(
            "Còn phiếu bằng văn bản cho mục này chờ xác nhận; hãy xác nhận hoặc trả lại phiếu trước khi "
            "kiểm phiếu."
        ),
    )


def _no_electronic_ballots(flow) -> State.CONDITION:
    return State.CONDITION(
        not flow.obj.receipts.exists(),
        _("Mục này đã có phiếu điện tử; không thể nhập kết quả kiểm phiếu giấy."),
    )


def _resolution_consequence(session, cleaned_data) -> list[str]:
    """What issuing the result does, stated on the confirmation page of the web form."""
    items = list(session.items.order_by("order", "pk"))
    passed = sum(1 for item in items if item.passed)
    subjects = sum(1 for item in items if item.subject_type_id)
    lines = [
        _("Văn bản số %(number)s, ngày %(date)s.")
        % {
            "number": cleaned_data["resolution_number"],
            "date": cleaned_data["resolution_issued_on"].strftime("%d/%m/%Y"),
        },
        _("Kết quả %(n)s mục được ban hành: %(passed)s mục đạt, %(failed)s mục không đạt.")
        % {"n": len(items), "passed": passed, "failed": len(items) - passed},
    ]
    if subjects:
        lines.append(
            _("%(n)s mục có đối tượng (hồ sơ, sáng kiến…): kết quả được ghi ngay vào đối tượng đó.")
            % {"n": subjects}
        )
    lines.append(_("Sau khi ban hành, biên bản và kết quả không sửa được nữa."))
    return lines


class SessionLifecycle(Lifecycle):
    model = Session
    states = SessionState
    state = State(SessionState, default=SessionState.PLANNED)
    council_term_path = "council_term"
    inbox_select_related = ("council_term__council",)
    inbox_ordering = ("planned_on", "pk")
    inbox_urgent_states = (SessionState.OPENED, SessionState.VOTING)  # the meeting is under way: first
    inbox_optional = ("postpone", "cancel")

    def can_view(self, user) -> bool:
        return selectors.can_view_session(user, self.obj)

    notified_verbs = frozenset({"permission_granted", "permission_revoked"})  # an expert's invitation

    def recipients(self, event) -> list:
        """Members are told when the session is convened, moved, cancelled or opens its ballots; an outside
        expert when they are invited to the session or the invitation is withdrawn (and only then)."""
        data = event.data or {}
        if event.verb in {"permission_granted", "permission_revoked"}:
            from django.contrib.auth import get_user_model

            from .policies import EXPERT_GRANT

            if data.get("permission") != EXPERT_GRANT or not data.get("user"):
                return []
            return list(get_user_model().objects.filter(username=data["user"], is_active=True))
        users = list(super().recipients(event))
        if event.verb in {"convene", "postpone", "cancel", "open_voting"}:
            known = {u.pk for u in users}
            users += [u for u in selectors.members(self.obj) if u.pk not in known]
        return users

    def notification_details(self, event) -> str:
        """The expert's invitation says when and where, and what their opinion is wanted on."""
        data = event.data or {}
        if event.verb not in {"permission_granted", "permission_revoked"}:
            return ""
        if event.verb == "permission_revoked":
            return _("Lời mời dự phiên họp với tư cách chuyên gia đã được rút lại.")
        session = self.obj
        parts = [
            _("Bạn được mời dự phiên họp với tư cách chuyên gia (không biểu quyết), ngày %(day)s")
            % {"day": session.planned_on.strftime("%d/%m/%Y")}
            + (f", {session.place}" if session.place else "")
            + "."
        ]
        if data.get("invitation_note"):
            parts.append(_("Nội dung cần ý kiến: %(note)s") % {"note": data["invitation_note"]})
        return " ".join(parts)

    @state.transition(
        source=[SessionState.PLANNED, SessionState.POSTPONED],
        target=SessionState.CONVENED,
        label=gettext_lazy("Triệu tập"),
        permission=allowed(SECRETARY),
        custom={
            "form": ConveneForm,
            # the form starts with the date and place the session was planned with
            "initial": lambda session: {
                "planned_on": session.planned_on,
                "place": session.place,
                "online": session.online,
            },
        },
    )
    def convene(self, *, cleaned_data, actor, comment):
        """The secretary sends the invitation with the date, place and agenda to the members."""
        _within_term(self.obj, cleaned_data["planned_on"], "planned_on")
        self.obj.planned_on = cleaned_data["planned_on"]
        self.obj.place = cleaned_data.get("place") or self.obj.place
        self.obj.online = bool(cleaned_data.get("online"))

    @state.transition(
        source=[SessionState.PLANNED, SessionState.CONVENED, SessionState.AGENDA_LOCKED],
        target=SessionState.POSTPONED,
        label=gettext_lazy("Hoãn họp"),
        permission=allowed(SECRETARY, *CHAIRS),
        custom={"form": PostponeForm},
    )
    def postpone(self, *, cleaned_data, actor, comment):
        """Postponed with a reason and a new date; it is convened again later."""
        if cleaned_data["new_date"] < timezone.localdate():
            raise ValidationError({"new_date": _("Ngày họp mới không được ở quá khứ.")})
        _within_term(self.obj, cleaned_data["new_date"], "new_date")
        self.obj.planned_on = cleaned_data["new_date"]

    @state.transition(
        source=[
            SessionState.PLANNED,
            SessionState.CONVENED,
            SessionState.AGENDA_LOCKED,
            SessionState.POSTPONED,
        ],
        target=SessionState.CANCELLED,
        label=gettext_lazy("Hủy phiên họp"),
        permission=allowed(*CHAIRS, Role.BOARD_HEAD),
        custom={"form": ReasonForm},
    )
    def cancel(self, *, cleaned_data, actor, comment):
        """The chair (or the Board head) cancels a session that has not opened, with a reason."""
        self.obj.cancel_reason = comment

    @state.transition(
        source=SessionState.CONVENED,
        target=SessionState.AGENDA_LOCKED,
        label=gettext_lazy("Chốt chương trình họp"),
        permission=allowed(SECRETARY),
        conditions=[_has_items, _subjects_may_be_voted],
    )
    def lock_agenda(self, *, cleaned_data, actor, comment):
        """No more items; the order is fixed; automatic recusals (nominee, proposing unit) are recorded."""
        from .services import recusals_record_automatic

        items = _agenda(self)
        # the recusals of every item in a fixed number of queries, whatever the number of items
        recusals = selectors.automatic_recusals_many(self.obj, items)
        for position, item in enumerate(items, start=1):
            if item.order != position:
                type(item).objects.filter(pk=item.pk).update(order=position)
            if recusals[item.pk]:
                recusals_record_automatic(item=item, recusals=recusals[item.pk], actor=actor)

    @state.transition(
        source=SessionState.AGENDA_LOCKED,
        target=SessionState.OPENED,
        label=gettext_lazy("Khai mạc phiên họp"),
        permission=allowed(*CHAIRS),
        conditions=[_quorum_met],
    )
    def open(self, *, cleaned_data, actor, comment):
        """The chair opens the meeting once attendance reaches the quorum (DOMAIN.md §3: ≥ 2/3 present)."""
        quorum = getattr(self, "quorum_read", None) or selectors.quorum(self.obj)  # the condition's figures
        self.obj.member_count = quorum.total  # selectors.total_members(): the one definition
        self.obj.present_count = quorum.present

    @state.transition(
        source=SessionState.OPENED,
        target=SessionState.VOTING,
        label=gettext_lazy("Mở bỏ phiếu"),
        permission=allowed(SECRETARY, *CHAIRS),
        conditions=[_quorum_for_voting],
        custom={"form": VotingModeForm},
    )
    def open_voting(self, *, cleaned_data, actor, comment):
        """Ballots open: all items on one sheet, or item by item in agenda order."""
        self.obj.voting_mode = cleaned_data["voting_mode"]

    @state.transition(
        source=SessionState.VOTING,
        target=SessionState.VOTING_CLOSED,
        label=gettext_lazy("Kết thúc bỏ phiếu"),
        permission=allowed(SECRETARY, *CHAIRS),
        conditions=[_all_items_counted, _quorum_for_closing],
    )
    def close_voting(self, *, cleaned_data, actor, comment):
        """Voting ends once every item is counted (services.session_close_voting counts the open ones first)."""
        quorum = getattr(self, "quorum_read", None)  # the condition's figures, the session row locked since
        self.obj.present_count = quorum.present if quorum else len(selectors.present_ids(self.obj))

    @state.transition(
        source=[SessionState.VOTING_CLOSED, SessionState.MINUTES_DRAFTED],
        target=SessionState.MINUTES_DRAFTED,
        label=gettext_lazy("Lập biên bản"),
        permission=allowed(SECRETARY),
        custom={"form": MinutesForm},
    )
    def draft_minutes(self, *, cleaned_data, actor, comment):
        """The secretary drafts (or re-drafts) the minutes; counts come from the session's data."""
        self.obj.minutes_number = cleaned_data["minutes_number"]
        self.obj.minutes_text = cleaned_data.get("minutes_text", "")

    @state.transition(
        source=SessionState.MINUTES_DRAFTED,
        target=SessionState.MINUTES_SIGNED,
        label=gettext_lazy("Ký biên bản"),
        permission=allowed(*CHAIRS),
    )
    def sign_minutes(self, *, cleaned_data, actor, comment):
        """The chair (chủ tọa) signs the minutes (DOMAIN.md §3)."""
        self.obj.minutes_signed_by = actor.user
        self.obj.minutes_signed_on = timezone.localdate()

    @state.transition(
        source=SessionState.MINUTES_SIGNED,
        target=SessionState.RESOLUTION_ISSUED,
        label=gettext_lazy("Ban hành kết quả"),
        permission=allowed(*CHAIRS),
        custom={"form": ResolutionForm, "confirm": _resolution_consequence},
    )
    def issue_resolution(self, *, cleaned_data, actor, comment):
        """The result is issued; each item's subject receives its result through its registered handler, once
        its terms are checked again (services.agenda_results_deliver); a free-form item changes no record."""
        from .services import agenda_results_deliver

        issued_on = cleaned_data["resolution_issued_on"]
        if issued_on < self.obj.planned_on:
            raise ValidationError(
                {
                    "resolution_issued_on": _("Ngày ban hành không được trước ngày họp (%(day)s).")
                    % {"day": self.obj.planned_on.strftime("%d/%m/%Y")}
                }
            )
        self.obj.resolution_number = cleaned_data["resolution_number"]
        self.obj.resolution_issued_on = issued_on
        items = self.obj.items.select_related("session__council_term__council").order_by("order", "pk")
        agenda_results_deliver(items=list(items), actor=actor)


class AgendaItemLifecycle(Lifecycle):
    model = AgendaItem
    states = ItemState
    state = State(ItemState, default=ItemState.PENDING)
    council_term_path = "session__council_term"
    inbox_hidden = True
    main_path = (ItemState.PENDING, ItemState.COUNTED)  # electronic ballots; a paper tally is the side branch

    def __init__(self, obj: AgendaItem):
        super().__init__(obj)
        # while the whole session closes (services.session_close_voting, one engine.perform_many over its items),
        # every item's checks read the session row the closing holds locked, not one query per item
        locked = selectors.closing_session_row(obj.session_id)
        field = AgendaItem._meta.get_field("session")
        if locked is not None and not field.is_cached(obj):
            field.set_cached_value(obj, locked)

    def can_view(self, user) -> bool:
        return selectors.can_view_session(user, self.obj.session)

    @state.transition(
        source=ItemState.PENDING,
        target=ItemState.COUNTED,
        label=gettext_lazy("Kết thúc bỏ phiếu mục"),
        permission=allowed(SECRETARY, *CHAIRS),
        conditions=[_session_voting, _no_pending_written_vote, _quorum_for_counting],
    )
    def close_ballot(self, *, cleaned_data, actor, comment):
        """Closing an item counts its secret ballots in one aggregate query; no ballot is accepted after."""
        count_electronic(self.obj)

    @state.transition(
        source=[ItemState.PENDING, ItemState.TALLY_ENTERED],
        target=ItemState.TALLY_ENTERED,
        label=gettext_lazy("Nhập kết quả kiểm phiếu giấy"),
        permission=allowed(SECRETARY),
        conditions=[_session_voting, _no_electronic_ballots, _no_pending_written_vote],
        custom={"form": TallyForm},
    )
    def enter_tally(self, *, cleaned_data, actor, comment):
        """Paper ballots: the secretary enters the counted tally; it stands only once a second person confirms."""
        item = self.obj
        total = sum(cleaned_data[key] for key in ("agree", "disagree", "abstain", "invalid"))
        if cleaned_data["abstain"] and not item.session.abstain_allowed:
            raise ValidationError({"abstain": _("Phiên họp này không có phiếu không biểu quyết.")})
        eligible = (selectors.present_ids(item.session) | _written_ids(item.session)) - selectors.recused_ids(
            item
        )
        if total > len(eligible):
            raise ValidationError(
                {
                    "agree": _("Tổng số phiếu (%(total)s) vượt số thành viên được bỏ phiếu (%(eligible)s).")
                    % {"total": total, "eligible": len(eligible)}
                }
            )
        item.tally_agree, item.tally_disagree = cleaned_data["agree"], cleaned_data["disagree"]
        item.tally_abstain, item.tally_invalid = cleaned_data["abstain"], cleaned_data["invalid"]
        item.tally_entered_by = actor.user
        item.paper_tally = True

    @state.transition(
        source=ItemState.TALLY_ENTERED,
        target=ItemState.COUNTED,
        label=gettext_lazy("Xác nhận kết quả kiểm phiếu"),
        permission=allowed(*CONFIRMERS),
        conditions=[_quorum_for_counting],
    )
    def confirm_tally(self, *, cleaned_data, actor, comment):
        """A second person (standing member or chair), not the one who entered it, confirms the paper tally."""
        item = self.obj
        if actor.user is not None and actor.user.pk == item.tally_entered_by_id:
            raise ActionForbidden(_("Người xác nhận phải khác người đã nhập kết quả kiểm phiếu."))
        item.tally_confirmed_by = actor.user
        apply_counts(
            item,
            agree=item.tally_agree,
            disagree=item.tally_disagree,
            abstain=item.tally_abstain,
            invalid=item.tally_invalid,
        )

    @state.transition(
        source=ItemState.TALLY_ENTERED,
        target=ItemState.PENDING,
        label=gettext_lazy("Trả lại kết quả kiểm phiếu"),
        permission=allowed(*CONFIRMERS),
        custom={"form": ReasonForm},
    )
    def reject_tally(self, *, cleaned_data, actor, comment):
        """The confirmer sends a wrong paper tally back to the secretary, with a reason."""
        item = self.obj
        item.tally_agree = item.tally_disagree = item.tally_abstain = item.tally_invalid = None
        item.tally_entered_by = None
        item.paper_tally = False


def _within_term(session, day, field: str) -> None:
    """Refuse (on `field`) a meeting day outside the session's council term."""
    from .services import planned_on_refusal

    if (refusal := planned_on_refusal(session.council_term, day)) is not None:
        raise ValidationError({field: refusal})


def _written_ids(session) -> set[int]:
    return set(
        session.attendances.filter(status=AttendanceStatus.ABSENT_WRITTEN).values_list("member_id", flat=True)
    )
