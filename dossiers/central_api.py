"""API of the steps before the council and towards the central level (issue 16), mixed into DossierViewSet:

  GET/POST /api/v1/dossiers/<pk>/public-notice/                         the public notice before the council
  POST     /api/v1/dossiers/<pk>/public-comments/<id>/answer/           the Board's answer to one comment
  GET/POST /api/v1/dossiers/<pk>/consultations/                         hiệp y requests (agency, working_days)
  POST     /api/v1/dossiers/<pk>/consultations/<id>/answer/             agreed | objected (reason, lines)
  POST     /api/v1/dossiers/<pk>/consultations/<id>/no-answer/          silent past the deadline
  POST     /api/v1/dossiers/<pk>/consultations/<id>/override/           the Board head forwards anyway (reason)
  POST     /api/v1/dossiers/<pk>/consultation-waivers/                  the Board head waives one required agency
  GET      /api/v1/dossiers/<pk>/forwarding-package/                    the ZIP forwarded (application/zip)

Reads need may_read_central_steps (the Board, the auditors); another unit's dossier answers 404 first. Writes
are the services' (dossiers.notice, dossiers.consultation): their refusals are problem details, 400 next to
the field, 403 for the role.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.api import ErrorSerializer
from workflows.http import request_actor
from workflows.names import full_name
from workflows.policies import PolicyDenied

from . import consultation as hiep_y
from . import forwarding, notice, policies
from .models import ConsultationRequest, ForwardingPackage, PublicComment

_ID = r"[0-9]{1,12}"


def _day(value):
    return value.isoformat() if value else None


def _comment(comment: PublicComment) -> dict:
    return {
        "id": comment.pk,
        "author_name": comment.author_name,
        "contact": comment.contact,
        "text": comment.text,
        "created_at": comment.created_at.isoformat(),
        "resolved": comment.resolved,
        "answer": comment.answer,
        "answered_by": full_name(comment.answered_by) if comment.answered_by else None,
        "answered_at": comment.answered_at.isoformat() if comment.answered_at else None,
    }


def notice_payload(dossier) -> dict:
    return {
        "lines": [
            {
                "line": row["line"].pk,
                "nominee": row["line"].nominee.full_name,
                "award": row["line"].award.code,
                "starts_on": _day(row["notice"].starts_on) if row["notice"] else None,
                "ends_on": _day(row["notice"].ends_on) if row["notice"] else None,
                "elapsed": row["elapsed"],
                "required": row["required"],
                "refusal": row["refusal"],
                "comments": [_comment(comment) for comment in row["comments"]],
            }
            for row in notice.notice_rows(dossier)
        ]
    }


def consultation_item(request: ConsultationRequest) -> dict:
    return {
        "id": request.pk,
        "agency": request.agency,
        "agency_display": request.get_agency_display(),
        "letter_reference": request.letter_reference,
        "sent_on": _day(request.sent_on),
        "working_days": request.working_days,
        "deadline": _day(request.deadline),
        "outcome": request.outcome,
        "status": hiep_y.consultation_status(request),
        "reason": request.reason,
        "lines": [line.pk for line in request.objected_lines.all()],
        "answer_reference": request.answer_reference,
        "answered_on": _day(request.answered_on),
        "overridden": request.overridden_at is not None,
        "override_reason": request.override_reason,
    }


def required_item(row: dict) -> dict:
    request, waiver = row["request"], row["waiver"]
    return {
        "agency": row["agency"],
        "agency_display": row["label"],
        "lines": [line.pk for line in row["lines"]],
        "rule_versions": sorted({line.rule_version.code for line in row["lines"] if line.rule_version}),
        "status": row["status"],
        "status_display": row["status_display"],
        "settled": row["settled"],
        "consultation": request.pk if request else None,
        "deadline": _day(request.deadline) if request else None,
        "waiver": {
            "reason": waiver.reason,
            "waived_by": full_name(waiver.waived_by),
            "waived_at": waiver.waived_at.isoformat(),
        }
        if waiver
        else None,
    }


def consultations_payload(dossier) -> dict:
    # the lines hiệp y is about: the approved state-level lines once decided (the forward step's own check),
    # before the chairman's decision every state-level line still proposed
    lines = hiep_y.panel_lines(dossier)
    return {
        "consultations": [
            consultation_item(r) for r in dossier.consultations.prefetch_related("objected_lines")
        ],
        "required_agencies": [required_item(row) for row in hiep_y.agency_rows(dossier, lines)],
        # what would hold the forwarding back
        "forwarding_refusals": hiep_y.forwarding_refusals(dossier, lines),
    }


def _data(request) -> dict:
    return request.data if hasattr(request.data, "get") else {}


def _lines_of(data) -> list:
    raw = data.getlist("lines") if hasattr(data, "getlist") else data.get("lines")
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, int):
        raw = [raw]
    return [str(value) for value in raw or []]


class PublicCommentSerializer(serializers.Serializer):
    """_comment: one public comment on a line during its notice, with the Board's answer."""

    id = serializers.IntegerField()
    author_name = serializers.CharField()
    contact = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved = serializers.BooleanField()
    answer = serializers.CharField()
    answered_by = serializers.CharField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class NoticeLineSerializer(serializers.Serializer):
    """notice_payload: one line's public notice (dates null before it starts)."""

    line = serializers.IntegerField()
    nominee = serializers.CharField()
    award = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    elapsed = serializers.IntegerField(help_text="working days of notice over")
    required = serializers.IntegerField(help_text="working days of notice the award needs")
    refusal = serializers.CharField(allow_null=True, help_text="why it may not be locked on an agenda yet")
    comments = PublicCommentSerializer(many=True)


NoticeSerializer = inline_serializer("PublicNotice", fields={"lines": NoticeLineSerializer(many=True)})


class ConsultationSerializer(serializers.Serializer):
    """consultation_item: one hiệp y request and its answer."""

    id = serializers.IntegerField()
    agency = serializers.CharField()
    agency_display = serializers.CharField()
    letter_reference = serializers.CharField()
    sent_on = serializers.DateField()
    working_days = serializers.IntegerField()
    deadline = serializers.DateField()
    outcome = serializers.CharField()
    status = serializers.CharField(help_text="the outcome, or that a silent agency is past its deadline")
    reason = serializers.CharField()
    lines = serializers.ListField(child=serializers.IntegerField(), help_text="the lines objected to")
    answer_reference = serializers.CharField()
    answered_on = serializers.DateField(allow_null=True)
    overridden = serializers.BooleanField()
    override_reason = serializers.CharField()


class WaiverSerializer(serializers.Serializer):
    reason = serializers.CharField()
    waived_by = serializers.CharField()
    waived_at = serializers.DateTimeField()


class RequiredAgencySerializer(serializers.Serializer):
    """required_item: one agency the rule versions of the state-level lines require, and where it stands."""

    agency = serializers.CharField()
    agency_display = serializers.CharField()
    lines = serializers.ListField(child=serializers.IntegerField(), help_text="the lines that need it")
    rule_versions = serializers.ListField(
        child=serializers.CharField(), help_text="the rule versions (codes) of those lines, which require it"
    )
    status = serializers.ChoiceField(
        choices=[
            "not_sent",
            "pending",
            "past_deadline",
            "no_answer",
            "agreed",
            "objected",
            "overridden",
            "waived",
        ]
    )
    status_display = serializers.CharField()
    settled = serializers.BooleanField(help_text="it no longer holds the forwarding back")
    consultation = serializers.IntegerField(allow_null=True, help_text="the request sent to it")
    deadline = serializers.DateField(allow_null=True)
    waiver = WaiverSerializer(allow_null=True, help_text="the Board head's waiver for this dossier")


ConsultationsSerializer = inline_serializer(
    "Consultations",
    fields={
        "consultations": ConsultationSerializer(many=True),
        "required_agencies": RequiredAgencySerializer(many=True),
        "forwarding_refusals": serializers.ListField(
            child=serializers.CharField(), help_text="what would hold the forwarding back"
        ),
    },
)


def _body(name: str, **fields) -> serializers.Serializer:
    return inline_serializer(name, fields=fields)


class CentralStepsMixin:
    """Actions of DossierViewSet (see the module's docstring)."""

    def _readable(self):
        dossier = self.get_object()
        decision = policies.may_read_central_steps(self.request.user, dossier)
        if not decision:
            raise PolicyDenied(decision.reason)
        return dossier

    @extend_schema(methods=["GET"], responses={200: NoticeSerializer})
    @extend_schema(
        methods=["POST"],
        request=_body("PublicNoticeStart", working_days=serializers.IntegerField(required=False)),
        responses={201: NoticeSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="public-notice", url_name="public-notice")
    def public_notice(self, request, pk=None):
        """GET: each line needing public notice before the council, with the days over, the comments and why
        it may not be locked on an agenda yet. POST {working_days}: the Board starts the notice (201)."""
        dossier = self._readable() if request.method == "GET" else self.get_object()
        if request.method == "POST":
            notice.public_notice_start(
                dossier=dossier, working_days=_data(request).get("working_days"), actor=request_actor(request)
            )
            return Response(notice_payload(dossier), status=201)
        return Response(notice_payload(dossier))

    @extend_schema(
        request=_body("PublicCommentAnswer", answer=serializers.CharField()),
        responses={
            200: inline_serializer(
                "PublicCommentAnswered", fields={"comments": PublicCommentSerializer(many=True)}
            ),
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"public-comments/(?P<comment_id>{_ID})/answer",
        url_name="public-comment-answer",
    )
    def public_comment_answer(self, request, pk=None, comment_id=None):
        """{answer}: the Board's answer to one public comment on the dossier's lines (once)."""
        dossier = self.get_object()
        comment = get_object_or_404(PublicComment.objects.filter(line__dossier=dossier), pk=comment_id)
        comment = notice.public_comment_answer(
            comment=comment, answer=_data(request).get("answer", ""), actor=request_actor(request)
        )
        return Response({"comments": [_comment(comment)]})

    @extend_schema(methods=["GET"], responses={200: ConsultationsSerializer})
    @extend_schema(
        methods=["POST"],
        request=_body(
            "ConsultationSend",
            agency=serializers.CharField(),
            working_days=serializers.IntegerField(required=False),
            letter_reference=serializers.CharField(required=False),
        ),
        responses={201: ConsultationSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="consultations", url_name="consultations")
    def consultations(self, request, pk=None):
        """GET: the hiệp y requests and what still holds the forwarding back. POST {agency, working_days,
        letter_reference?}: the Board sends one (201)."""
        dossier = self._readable() if request.method == "GET" else self.get_object()
        if request.method == "POST":
            data = _data(request)
            sent = hiep_y.consultation_send(
                dossier=dossier,
                agency=str(data.get("agency", "")),
                working_days=data.get("working_days"),
                letter_reference=str(data.get("letter_reference", "")),
                actor=request_actor(request),
            )
            return Response(consultation_item(sent), status=201)
        return Response(consultations_payload(dossier))

    def _consultation(self, consultation_id):
        dossier = self.get_object()
        return get_object_or_404(dossier.consultations.all(), pk=consultation_id)

    @extend_schema(
        request=_body(
            "ConsultationAnswer",
            outcome=serializers.ChoiceField(choices=["agreed", "objected"]),
            reason=serializers.CharField(required=False),
            lines=serializers.ListField(child=serializers.IntegerField(), required=False),
            answer_reference=serializers.CharField(required=False),
        ),
        responses={200: ConsultationSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"consultations/(?P<consultation_id>{_ID})/answer",
        url_name="consultation-answer",
    )
    def consultation_answer(self, request, pk=None, consultation_id=None):
        """{outcome: agreed | objected, reason, lines: [line ids], answer_reference?}: the agency's answer."""
        data = _data(request)
        answered = hiep_y.consultation_answer(
            consultation=self._consultation(consultation_id),
            outcome=str(data.get("outcome", "")),
            reason=str(data.get("reason", "")),
            lines=_lines_of(data),
            answer_reference=str(data.get("answer_reference", "")),
            actor=request_actor(request),
        )
        return Response(consultation_item(answered))

    @extend_schema(
        request=None, responses={200: ConsultationSerializer, 400: ErrorSerializer, 403: ErrorSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"consultations/(?P<consultation_id>{_ID})/no-answer",
        url_name="consultation-no-answer",
    )
    def consultation_no_answer(self, request, pk=None, consultation_id=None):
        """The agency did not answer by the deadline (400 before it has passed)."""
        done = hiep_y.consultation_no_answer(
            consultation=self._consultation(consultation_id), actor=request_actor(request)
        )
        return Response(consultation_item(done))

    @extend_schema(
        request=_body("ConsultationOverride", reason=serializers.CharField()),
        responses={200: ConsultationSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"consultations/(?P<consultation_id>{_ID})/override",
        url_name="consultation-override",
    )
    def consultation_override(self, request, pk=None, consultation_id=None):
        """{reason}: the Board head forwards the objected nominees anyway."""
        done = hiep_y.consultation_override(
            consultation=self._consultation(consultation_id),
            reason=str(_data(request).get("reason", "")),
            actor=request_actor(request),
        )
        return Response(consultation_item(done))

    @extend_schema(
        request=_body("ConsultationWaive", agency=serializers.CharField(), reason=serializers.CharField()),
        responses={201: ConsultationsSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="consultation-waivers", url_name="consultation-waivers")
    def consultation_waivers(self, request, pk=None):
        """{agency, reason}: the Board head waives one agency the rules require for the dossier (201: the
        dossier's hiệp y, as GET consultations/ returns it)."""
        dossier = self.get_object()
        data = _data(request)
        hiep_y.consultation_waive(
            dossier=dossier,
            agency=str(data.get("agency", "")),
            reason=str(data.get("reason", "")),
            actor=request_actor(request),
        )
        return Response(consultations_payload(dossier), status=201)

    @extend_schema(
        request=None,
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"], url_path="forwarding-package", url_name="forwarding-package")
    def forwarding_package(self, request, pk=None):
        """The ZIP forwarded to the central level (404 before the forwarding); its SHA-256 in `X-Content-SHA256`."""
        dossier = self._readable()
        package = ForwardingPackage.objects.filter(dossier=dossier).first()
        if package is None:
            raise Http404
        return package_response(package)


def package_response(package: ForwardingPackage) -> FileResponse:
    response = FileResponse(
        package.file.open("rb"),
        as_attachment=True,
        filename=forwarding.package_name(package.dossier),
        content_type="application/zip",
    )
    response["X-Content-SHA256"] = package.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response
