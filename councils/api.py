"""API: /api/councils/, /api/sessions/ (+ transitions, history, agenda, attendance, ballots, close,
written-votes, experts), /api/agenda-items/ (+ transitions: close_ballot, enter_tally, confirm_tally, reject_tally).

Sessions the caller may not see are 404. No endpoint returns an individual ballot: only turnout (secretary
and chair, while voting) and per-item totals once an item is counted.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from organisations.models import Council, CouncilTerm, Unit
from workflows.api import ErrorSerializer, TransitionsMixin, client_ip, problem_response
from workflows.http import request_actor
from workflows.policies import require
from workflows.problems import problem

from . import policies, selectors, services
from .filters import AgendaItemFilter, SessionFilter
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Choice,
    CouncilRule,
    ItemState,
    Recusal,
    Session,
    WrittenVote,
)
from .registry import Threshold, ThresholdBase, subject_reference
from .templatetags.councils_extras import full_name


class CouncilTermSerializer(serializers.ModelSerializer):
    class Meta:
        model = CouncilTerm
        fields = ["id", "name", "starts_on", "ends_on"]


class CouncilRuleSerializer(serializers.ModelSerializer):
    """How the council meets and votes; each session copies it when created (SessionSerializer carries the copy)."""

    class Meta:
        model = CouncilRule
        fields = [
            "quorum_numerator",
            "quorum_denominator",
            "abstain_allowed",
            "written_votes_allowed",
            "secretary_votes",
        ]


class CouncilSerializer(serializers.ModelSerializer):
    terms = CouncilTermSerializer(many=True, read_only=True)
    rule = serializers.SerializerMethodField(
        help_text="The council's voting rule (quorum, abstention, written votes, whether the secretary votes); "
        "null while the Board has not set one (sessions then take the defaults)."
    )

    class Meta:
        model = Council
        fields = ["id", "code", "name", "kind", "unit", "terms", "rule"]

    @extend_schema_field(CouncilRuleSerializer(allow_null=True))
    def get_rule(self, council) -> dict | None:
        rule = getattr(council, "rule", None)  # no rule yet: RelatedObjectDoesNotExist is an AttributeError
        return CouncilRuleSerializer(rule).data if rule is not None else None


class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """Councils and their terms (public within the system), each with its voting rule."""

    queryset = Council.objects.select_related("rule").prefetch_related("terms").order_by("name")
    serializer_class = CouncilSerializer


class SessionSerializer(serializers.ModelSerializer):
    council = serializers.CharField(source="council_term.council.name", read_only=True)

    def validate_planned_on(self, value):
        """A day already past is refused (the service refuses a day outside the term: 400 on planned_on)."""
        if (refusal := services.past_day_refusal(value)) is not None:
            raise serializers.ValidationError(refusal)
        return value

    class Meta:
        model = Session
        fields = [
            "id",
            "council_term",
            "council",
            "title",
            "planned_on",
            "place",
            "online",
            "state",
            "voting_mode",
            "quorum_numerator",
            "quorum_denominator",
            "abstain_allowed",
            "written_votes_allowed",
            "member_count",
            "secretary_votes",
            "present_count",
            "minutes_number",
            "minutes_signed_on",
            "resolution_number",
            "resolution_issued_on",
            "cancel_reason",
        ]
        read_only_fields = [f for f in fields if f not in {"council_term", "title", "planned_on", "place"}]


class AgendaSubjectSerializer(serializers.Serializer):
    """An agenda item's subject, typed: what kind of record it is, its id and its API address."""

    kind = serializers.CharField(help_text="dossier_line (a nominee of a dossier) or initiative")
    id = serializers.IntegerField()
    url = serializers.CharField(allow_null=True, help_text="the subject's /api/v1/ detail")


class AgendaThresholdSerializer(serializers.Serializer):
    """An agenda item's pass rule: the percentage, or the ratio it was typed as, of which base, strict or not."""

    percent = serializers.CharField(help_text="the percentage of the base needed, as a decimal text")
    ratio = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True, help_text="[numerator, denominator] or null"
    )
    base = serializers.ChoiceField(choices=ThresholdBase.choices)
    strict = serializers.BooleanField(help_text="more than the threshold (true) or at least it (false)")


class AgendaItemSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    threshold = serializers.SerializerMethodField()
    legal_basis = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text='The acts of the rules the subject is judged by, as the minutes cite them after "Căn cứ".',
    )

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "session",
            "order",
            "title",
            "summary",
            "proposing_unit",
            "subject",
            "state",
            "threshold",
            "legal_basis",
            "paper_tally",
            "agree_count",
            "disagree_count",
            "abstain_count",
            "invalid_count",
            "base_count",
            "passed",
            "result_explanation",
        ]

    @extend_schema_field(AgendaSubjectSerializer(allow_null=True))
    def get_subject(self, item) -> dict | None:
        """What the item is about: {kind, id, url} (councils.registry.subject_reference); null if free-form."""
        if not item.subject_type_id:
            return None
        return subject_reference(item.subject_type.model_class(), item.subject_id)

    @extend_schema_field(AgendaThresholdSerializer)
    def get_threshold(self, item) -> dict:
        return {
            "percent": format(item.threshold_percent.normalize(), "f"),  # «50», not «5E+1»
            "ratio": list(item.threshold_ratio or []) or None,
            "base": item.threshold_base,
            "strict": item.threshold_strict,
        }


class AgendaItemInputSerializer(serializers.Serializer):
    """A free-form agenda item with the pass rule typed by the secretary; it has no subject and its result
    changes no record. Dossier lines and initiatives are put on an agenda by their own processes."""

    title = serializers.CharField(max_length=500)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    proposing_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    nominee_user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    threshold_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=Decimal(0), max_value=Decimal(100)
    )
    threshold_base = serializers.ChoiceField(
        choices=ThresholdBase.choices, default=ThresholdBase.TOTAL_MEMBERS
    )
    threshold_strict = serializers.BooleanField(default=False)
    ratio_numerator = serializers.IntegerField(required=False, min_value=0)
    ratio_denominator = serializers.IntegerField(required=False, min_value=1)

    #: Fields a free-form item cannot carry: a subject goes on an agenda only through its own process.
    SUBJECT_FIELDS = ("subject", "subject_type", "subject_id")

    def to_internal_value(self, data):
        named = [name for name in self.SUBJECT_FIELDS if hasattr(data, "keys") and name in data]
        if named:
            raise serializers.ValidationError(
                {name: [str(services.SUBJECT_BY_OWN_PROCESS)] for name in named}
            )
        return super().to_internal_value(data)

    def validate(self, data):
        if ("ratio_numerator" in data) != ("ratio_denominator" in data):
            raise serializers.ValidationError({"ratio_denominator": _("Cần nhập cả tử số và mẫu số.")})
        return data


class BallotInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    choice = serializers.ChoiceField(
        choices=Choice.choices, error_messages={"invalid_choice": _("Lựa chọn không hợp lệ.")}
    )


class AttendanceSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="member.username", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Attendance
        fields = ["member", "username", "name", "status"]

    def get_name(self, attendance) -> str:
        return full_name(attendance.member)


class AttendanceInputSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceRosterInputSerializer(serializers.Serializer):
    """One row of a roster POST; the member is checked by the service (a member of the session's council)."""

    member = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class WrittenVoteInputSerializer(serializers.Serializer):
    """multipart/form-data: the absent member, the signed PDF, and the choices as a JSON object."""

    member = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    document = serializers.FileField(help_text="the member's signed written vote, a PDF")
    choices = serializers.JSONField(binary=True, help_text='{"<item id>": "agree" | "disagree" | "abstain"}')

    def validate_choices(self, value):
        if (
            not isinstance(value, dict)
            or not value
            or len(value) > 1000
            or not all(str(key).isdigit() and len(str(key)) < 12 for key in value)
            or not all(isinstance(choice, str) for choice in value.values())
        ):
            raise serializers.ValidationError(_("Cần một bảng {mã mục: lựa chọn}."))
        return {int(key): choice for key, choice in value.items()}


class WrittenVoteSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="member.username", read_only=True)
    name = serializers.SerializerMethodField()
    items = serializers.ListField(source="item_ids", child=serializers.IntegerField(), read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = WrittenVote
        fields = [
            "id",
            "member",
            "username",
            "name",
            "status",
            "items",
            "document_sha256",
            "recorded_by",
            "decided_by",
            "reject_reason",
        ]

    def get_name(self, vote) -> str:
        return full_name(vote.member)


class ExpertSerializer(serializers.Serializer):
    """An outside expert invited to a session."""

    id = serializers.IntegerField(source="pk", read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return full_name(user)


class ExpertInputSerializer(serializers.Serializer):
    """Invite one user (by id or by username, not both) with the reason."""

    user = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    username = serializers.CharField(required=False, max_length=150)
    reason = serializers.CharField(max_length=500)

    def validate(self, data):
        users = get_user_model().objects
        if ("user" in data) == ("username" in data):
            raise serializers.ValidationError({"user": _("Cần đúng một trong hai: user (mã) hoặc username.")})
        if "user" in data:
            expert = users.filter(pk=data["user"]).first()
            if expert is None:
                raise serializers.ValidationError({"user": _("Không tìm thấy người dùng này.")})
        else:
            expert = users.filter(username__iexact=data["username"].strip()).first()
            if expert is None:
                raise serializers.ValidationError({"username": _("Không tìm thấy người dùng này.")})
        data["expert"] = expert
        return data


TURNOUT_ONLY = "the secretary's and the chair's console only (turnout, never the content)"
COUNTED_ONLY = "once the item is counted"


class SessionViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Council sessions: the Board creates; the engine moves them (transitions/); see the module docstring."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user, maybe no database
            return Session.objects.none()
        return selectors.sessions_visible_to(self.request.user).order_by("-planned_on", "-pk")

    def create(self, request, *args, **kwargs):
        """Role before input: a user who may not plan this term's sessions learns it (403) whatever the body
        says, without the body's errors telling them anything about the term."""
        term_id = request.data.get("council_term") if hasattr(request.data, "get") else None
        term = CouncilTerm.objects.filter(pk=term_id).first() if str(term_id or "").isdigit() else None
        if term is not None:
            require(policies.may_create_session, request_actor(request), term)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.session_create(
            council_term=data["council_term"],
            title=data["title"],
            planned_on=data["planned_on"],
            place=data.get("place", ""),
            actor=request_actor(self.request),
        )

    @extend_schema(
        request=AgendaItemInputSerializer,
        responses={200: AgendaItemSerializer(many=True), 201: AgendaItemSerializer},
        description=(
            "GET: the session's agenda. POST: a free-form item with a typed pass rule; it has no subject and "
            "its result changes no record. A request naming a subject (subject, subject_type, subject_id) is "
            "refused with 400: dossier lines and initiatives are put on an agenda by their own processes, "
            "with the pass rule of their award or council."
        ),
    )
    @action(detail=True, methods=["get", "post"], url_path="agenda")
    def agenda(self, request, pk=None):
        session = self.get_object()
        if request.method == "GET":
            items = session.items.select_related("subject_type").order_by("order", "pk")
            return Response(AgendaItemSerializer(items, many=True).data)
        payload = AgendaItemInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ratio = (data["ratio_numerator"], data["ratio_denominator"]) if "ratio_numerator" in data else None
        item = services.agenda_item_add(
            session=session,
            title=data["title"],
            summary=data["summary"],
            proposing_unit=data.get("proposing_unit"),
            nominee_user=data.get("nominee_user"),
            threshold=Threshold(
                percent=data["threshold_percent"],
                base=data["threshold_base"],
                strict=data["threshold_strict"],
                ratio=ratio,
            ),
            actor=request_actor(request),
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AttendanceInputSerializer,
        responses={
            200: inline_serializer(
                "SessionAttendance",
                fields={
                    "quorum": serializers.CharField(help_text="whether the members present make the quorum"),
                    "attendance": AttendanceSerializer(many=True),
                },
            )
        },
        description=(
            "POST one member {member, status}, or the whole roster as a list [{member, status}, …]: all or "
            "nothing, audited as one event; a refused roster answers 400 with `rows` [{member, detail}]."
        ),
    )
    @action(detail=True, methods=["get", "post"], url_path="attendance")
    def attendance(self, request, pk=None):
        session = self.get_object()
        if request.method == "POST" and isinstance(request.data, list):
            payload = AttendanceRosterInputSerializer(
                data=request.data, many=True, allow_empty=False, max_length=services.ROSTER_LIMIT
            )
            payload.is_valid(raise_exception=True)
            statuses: dict[int, str] = {}
            for row in payload.validated_data:
                if statuses.setdefault(row["member"], row["status"]) != row["status"]:
                    raise ValidationError({"detail": _("Một thành viên có hai tình trạng khác nhau.")})
            try:
                services.attendance_roster_record(
                    session=session, statuses=statuses, actor=request_actor(request)
                )
            except services.RosterRefused as exc:
                rows = [{"member": member, "detail": message} for member, message in exc.rows.items()]
                return problem_response(problem(400, "invalid", exc.message, rows=rows), request=request)
        elif request.method == "POST":
            payload = AttendanceInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            services.attendance_record(
                session=session,
                member=payload.validated_data["member"],
                status=payload.validated_data["status"],
                actor=request_actor(request),
            )
        rows = session.attendances.select_related("member").order_by("member__username")
        return Response(
            {
                "quorum": selectors.quorum(session).explanation,
                "attendance": AttendanceSerializer(rows, many=True).data,
            }
        )

    @extend_schema(
        request=BallotInputSerializer,
        responses={
            200: inline_serializer(
                "Turnout",
                fields={
                    "items": inline_serializer(
                        "TurnoutItem",
                        fields={
                            "item": serializers.IntegerField(help_text="the agenda item's id"),
                            "open": serializers.BooleanField(help_text="its ballot is open"),
                            "voted_by_me": serializers.BooleanField(),
                            "received": serializers.IntegerField(required=False, help_text=TURNOUT_ONLY),
                            "eligible": serializers.IntegerField(required=False, help_text=TURNOUT_ONLY),
                            "recused": serializers.IntegerField(required=False, help_text=TURNOUT_ONLY),
                            "result": serializers.CharField(required=False, help_text=COUNTED_ONLY),
                            "passed": serializers.BooleanField(
                                required=False, allow_null=True, help_text=COUNTED_ONLY
                            ),
                        },
                        many=True,
                    )
                },
            ),
            201: inline_serializer("BallotAccepted", fields={"detail": serializers.CharField()}),
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="ballots")
    def ballots(self, request, pk=None):
        """GET: turnout per item (secretary and chair) and which items the caller has voted on; POST: cast one."""
        session = self.get_object()
        if request.method == "POST":
            payload = BallotInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            item = get_object_or_404(AgendaItem, pk=payload.validated_data["item"], session=session)
            services.ballot_cast(
                item=item, choice=payload.validated_data["choice"], actor=request_actor(request)
            )
            return Response({"detail": _("Đã ghi nhận phiếu bầu kín.")}, status=status.HTTP_201_CREATED)
        console = policies.may_follow_turnout(request.user, session).allowed
        voted = set(session.items.filter(receipts__member=request.user).values_list("pk", flat=True))
        rows = []
        for row in selectors.turnout(session):
            entry = {"item": row["item"].pk, "open": row["open"], "voted_by_me": row["item"].pk in voted}
            if console:
                entry.update(received=row["received"], eligible=row["eligible"], recused=row["recused"])
            if row["item"].state == ItemState.COUNTED:
                entry.update(result=row["item"].result_explanation, passed=row["item"].passed)
            rows.append(entry)
        return Response({"items": rows})

    @extend_schema(
        request=inline_serializer(
            "BallotSheet",
            fields={"choices": serializers.DictField(child=serializers.ChoiceField(choices=Choice.choices))},
        ),
        responses={
            201: inline_serializer(
                "BallotSheetAccepted",
                fields={"detail": serializers.CharField(), "count": serializers.IntegerField()},
            )
        },
    )
    @action(detail=True, methods=["post"], url_path="ballot-sheet")
    def ballot_sheet(self, request, pk=None):
        """Cast the caller's ballots on many open items at once: {"choices": {"<item id>": "agree", …}}."""
        session = self.get_object()
        raw = request.data.get("choices") if hasattr(request.data, "get") else None
        if not isinstance(raw, dict) or not all(str(key).isdigit() for key in raw):
            raise ValidationError({"choices": [_("Cần một bảng {mã mục: lựa chọn}.")]})
        count = services.ballot_sheet_cast(
            session=session, choices={int(k): v for k, v in raw.items()}, actor=request_actor(request)
        )
        return Response(
            {"detail": _("Đã ghi nhận phiếu bầu kín."), "count": count}, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        """Count every open item, then close the session's voting (secretary or chair)."""
        session = services.session_close_voting(
            session=self.get_object(), user=request.user, client_ip=client_ip(request)
        )
        return Response(SessionSerializer(session).data)

    @extend_schema(
        request={"multipart/form-data": WrittenVoteInputSerializer},
        responses={200: WrittenVoteSerializer(many=True), 201: WrittenVoteSerializer},
        description=(
            "GET: the session's written votes (no choices). POST (the secretary): an absent member's signed written "
            "vote, as multipart/form-data with `member`, `document` (a PDF) and `choices` (a JSON object "
            '{"<item id>": "agree"}). It counts only once a second person confirms it (confirm/).'
        ),
    )
    @action(detail=True, methods=["get", "post"], url_path="written-votes")
    def written_votes(self, request, pk=None):
        session = self.get_object()
        if request.method == "POST":
            payload = WrittenVoteInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            vote = services.written_vote_record(
                session=session,
                member=payload.validated_data["member"],
                choices=payload.validated_data["choices"],
                document=payload.validated_data["document"],
                actor=request_actor(request),
            )
            return Response(WrittenVoteSerializer(vote).data, status=status.HTTP_201_CREATED)
        require(policies.may_read_written_votes, request.user, session)
        votes = session.written_votes.select_related("member", "recorded_by", "decided_by").order_by("pk")
        return Response(WrittenVoteSerializer(votes, many=True).data)

    @extend_schema(
        request=ExpertInputSerializer,
        responses={200: ExpertSerializer(many=True), 201: ExpertSerializer(many=True)},
        description=(
            "GET: the outside experts invited to the session (whoever sees the session). POST (a Board officer "
            "or head, or the council's secretary): invite one user holding no role on the term, by `user` (id) "
            "or `username`, with the `reason`; audited as permission_granted. The expert then sees this session, "
            "its agenda and its minutes and tally once the voting is closed; never votes, never counts in the "
            "quorum, sees no other session."
        ),
    )
    @action(detail=True, methods=["get", "post"], url_path="experts")
    def experts(self, request, pk=None):
        session = self.get_object()
        if request.method == "POST":
            actor = require(policies.may_invite_expert, request_actor(request), session)
            payload = ExpertInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            services.session_invite_expert(
                session=session,
                user=payload.validated_data["expert"],
                actor=actor,
                reason=payload.validated_data["reason"],
            )
            experts = selectors.session_experts(session)
            return Response(ExpertSerializer(experts, many=True).data, status=status.HTTP_201_CREATED)
        return Response(ExpertSerializer(selectors.session_experts(session), many=True).data)

    @extend_schema(
        request=None,
        responses={204: None},
        description="Withdraw an expert's invitation (audited as permission_revoked); 404 if not invited.",
    )
    @action(detail=True, methods=["delete"], url_path=r"experts/(?P<user_id>[0-9]{1,12})")
    def expert_remove(self, request, pk=None, user_id=None):
        session = self.get_object()
        actor = require(policies.may_invite_expert, request_actor(request), session)
        expert = next((u for u in selectors.session_experts(session) if u.pk == int(user_id)), None)
        if expert is None:
            raise NotFound(_("Người này không được mời dự phiên họp này."))
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        services.session_uninvite_expert(session=session, user=expert, actor=actor, reason=str(reason))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _written_vote(self, vote_pk) -> WrittenVote:
        return get_object_or_404(WrittenVote, pk=vote_pk, session=self.get_object())

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "WrittenVoteEntered",
                fields={
                    "id": serializers.IntegerField(),
                    "choices": serializers.DictField(
                        child=serializers.ChoiceField(choices=Choice.choices),
                        help_text="agenda item id → the choice entered for it",
                    ),
                },
            )
        },
        description="What the secretary entered for a pending written vote, for the person who may confirm it.",
    )
    @action(detail=True, methods=["get"], url_path=r"written-votes/(?P<vote_pk>[0-9]{1,12})/entered")
    def written_vote_entered(self, request, pk=None, vote_pk=None):
        vote = self._written_vote(vote_pk)
        choices = services.written_vote_choices(vote=vote, actor=request_actor(request))
        return Response({"id": vote.pk, "choices": {str(k): v for k, v in choices.items()}})

    @extend_schema(request=None, responses={200: WrittenVoteSerializer})
    @action(detail=True, methods=["post"], url_path=r"written-votes/(?P<vote_pk>[0-9]{1,12})/confirm")
    def written_vote_confirm(self, request, pk=None, vote_pk=None):
        """A second person (another secretary or the Board), not the recorder, confirms it: it then counts."""
        vote = self._written_vote(vote_pk)
        services.written_vote_confirm(vote=vote, actor=request_actor(request))
        vote.refresh_from_db()
        return Response(WrittenVoteSerializer(vote).data)

    @extend_schema(
        request=inline_serializer("WrittenVoteReject", fields={"reason": serializers.CharField()}),
        responses={200: WrittenVoteSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"written-votes/(?P<vote_pk>[0-9]{1,12})/reject")
    def written_vote_reject(self, request, pk=None, vote_pk=None):
        """The second person sends it back with a reason; it never counts."""
        vote = self._written_vote(vote_pk)
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        vote = services.written_vote_reject(vote=vote, reason=str(reason), actor=request_actor(request))
        return Response(WrittenVoteSerializer(vote).data)


class RecusalInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, help_text="why the member does not vote on the item")


class RecusalSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="member.username", read_only=True)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = Recusal
        fields = ["item", "member", "username", "reason", "reason_label", "note"]


class AgendaItemViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """Agenda items of the sessions the caller may see; their transitions (close, paper tally, confirm)."""

    serializer_class = AgendaItemSerializer
    filterset_class = AgendaItemFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user, maybe no database
            return AgendaItem.objects.none()
        sessions = selectors.sessions_visible_to(self.request.user).values("pk")
        return (
            AgendaItem.objects.filter(session__in=sessions)
            .select_related("subject_type")
            .order_by("session", "order")
        )

    @extend_schema(
        request=RecusalInputSerializer,
        responses={
            201: RecusalSerializer,
            200: RecusalSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        description=(
            "A member of the session's council declares a conflict of interest on this item, with the reason "
            "(`note`): they then do not vote on it and do not count in its base (councils.services."
            "recusal_declare, as the session page's button). 201 recorded; 200 already recorded; 403 not a "
            "voting member of this session; 409 the item is counted or the member has already voted on it."
        ),
    )
    @action(detail=True, methods=["post"], url_path="recusal")
    def recusal(self, request, pk=None):
        item = self.get_object()
        payload = RecusalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        existed = Recusal.objects.filter(item=item, member=request.user).exists()
        recusal = services.recusal_declare(
            item=item, member=request.user, note=payload.validated_data["note"], actor=request_actor(request)
        )
        return Response(
            RecusalSerializer(recusal).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )
