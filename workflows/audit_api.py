"""API: the audit-chain check as JSON, for the auditor (issue 18, "reading what a client needs").

GET /api/v1/audit-checks/            the checks of the audit log (AuditCheckRun), newest first: mode, state,
                                     progress, the first failure, every problem and warning in the caller's
                                     language beside its code
POST /api/v1/audit-checks/           start one ({"mode": "incremental" | "full"}), as the web page's buttons
GET /api/v1/audit-checks/<id>/       one check (poll it until `finished`)
GET /api/v1/audit-checkpoints/       the signed checkpoints (sequence, hash, the other chains' heads, time, key,
                                     Ed25519 signature), each as the signed statement to copy elsewhere and
                                     whether its signature verifies with the keys this deployment trusts
POST /api/v1/audit-checkpoints/      sign one now at the chain head (201; 409 checkpoint_refused)

Who: those the web's "Kiểm tra nhật ký" page admits (workflows.policies.may_verify_audit: auditors, the Board
head, administrators); anyone else signed in gets 403, nobody signed in 401. Starting a check writes no
business data, so a read-only auditor may (project.middleware.EXEMPT_URL_NAMES, as for the web page); nor
does signing a checkpoint (POST /api/v1/audit-checkpoints/, as the page's button; the daily task and
`manage.py audit_checkpoint` sign them too).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from .audit import Actor
from .audit_check import problem_label, start_audit_check
from .checkpoints import (
    CheckpointError,
    SignedCheckpoint,
    audit_checkpoint_sign,
    normalise_heads,
    trusted_keys,
)
from .filters import AuditCheckpointFilter, AuditCheckRunFilter
from .http import client_ip
from .models import AuditCheckMode, AuditCheckpoint, AuditCheckRun
from .policies import may_verify_audit


class MayVerifyAudit(BasePermission):
    """workflows.policies.may_verify_audit decides (a signed-out caller: 401, as everywhere in the API)."""

    message = ""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        decision = may_verify_audit(user)
        self.message = decision.reason or _("Chỉ kiểm tra viên và Trưởng Ban TĐKT được kiểm tra nhật ký.")
        return bool(decision)


AuditProblemSerializer = inline_serializer(
    "AuditCheckProblem",
    many=True,
    fields={
        "code": serializers.CharField(help_text="stable code (broken_link, hash_mismatch, checkpoint_…)"),
        "params": serializers.DictField(help_text="what the problem concerns (event sequence, checkpoint…)"),
        "message": serializers.CharField(help_text="the problem in the caller's language"),
    },
)


def _problems(items) -> list[dict]:
    return [
        {"code": item.get("code", ""), "params": item.get("params", {}), "message": problem_label(item)}
        for item in items or []
    ]


class AuditCheckRunSerializer(serializers.ModelSerializer):
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    finished = serializers.BooleanField(read_only=True, help_text="passed or failed (no longer moving)")
    percent = serializers.IntegerField(read_only=True, help_text="progress, 0 to 100")
    started_by = serializers.CharField(
        source="started_by.username", default=None, help_text="null: the daily check"
    )
    resumed_from_sequence = serializers.IntegerField(
        source="resumed_from.sequence",
        default=None,
        help_text="an incremental check: the signed checkpoint it started after",
    )
    chain_ranges = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        read_only=True,
        help_text='the events the check reads in each audit chain, {"<chain>": [first, last]} '
        "(from_sequence and to_sequence are chain 1's)",
    )
    failure_chain = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="the chain of failure_sequence (1: the first chain, or a problem of no chain in particular)",
    )
    problems = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = AuditCheckRun
        fields = [
            "id",
            "mode",
            "mode_label",
            "state",
            "state_label",
            "finished",
            "percent",
            "checked",
            "total",
            "from_sequence",
            "to_sequence",
            "chain_ranges",
            "resumed_from_sequence",
            "checkpoints_checked",
            "failure_sequence",
            "failure_chain",
            "failure_reason",
            "problems",
            "warnings",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AuditProblemSerializer)
    def get_problems(self, run) -> list:
        return _problems(run.problems)

    @extend_schema_field(AuditProblemSerializer)
    def get_warnings(self, run) -> list:
        return _problems(run.warnings)


class AuditCheckStartSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=AuditCheckMode.choices,
        default=AuditCheckMode.FULL,
        help_text="incremental: the events after the latest signed checkpoint; full: the whole chain",
    )


class AuditCheckRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The checks of the audit log, newest first (?state=, ?mode=, ?ordering=). POST {"mode"} starts one, as the
    web's buttons do (workflows.audit_check.start_audit_check, audited): 201 with the new run; while another
    runs, 200 with that one. Poll its detail until `finished`."""

    serializer_class = AuditCheckRunSerializer
    permission_classes = [MayVerifyAudit]
    filterset_class = AuditCheckRunFilter
    queryset = AuditCheckRun.objects.select_related("started_by", "resumed_from").order_by(
        "-created_at", "-pk"
    )

    @extend_schema(
        request=AuditCheckStartSerializer,
        responses={201: AuditCheckRunSerializer, 200: AuditCheckRunSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = AuditCheckStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        role = may_verify_audit(request.user).role
        run, started = start_audit_check(
            mode=payload.validated_data["mode"],
            actor=Actor(user=request.user, role=role, client_ip=client_ip(request)),
        )
        run = self.get_queryset().get(pk=run.pk)
        return Response(
            self.get_serializer(run).data, status=status.HTTP_201_CREATED if started else status.HTTP_200_OK
        )


class AuditCheckpointSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.username", default=None, help_text="null: signed by the daily task"
    )
    statement = serializers.SerializerMethodField(
        help_text="the signed statement as the checkpoint files hold it (signed_at in UTC), to keep elsewhere"
    )
    signature_valid = serializers.SerializerMethodField(
        help_text="true or false with the keys this deployment trusts; null when its key is not among them"
    )
    heads = serializers.SerializerMethodField(
        help_text="the other audit chains' heads signed with it, by chain number (sequence and hash are chain "
        "1's); empty with one chain"
    )

    class Meta:
        model = AuditCheckpoint
        fields = [
            "id",
            "sequence",
            "hash",
            "heads",
            "signed_at",
            "key_id",
            "signature",
            "requested_by",
            "statement",
            "signature_valid",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "AuditCheckpointStatement",
            fields={
                "sequence": serializers.IntegerField(),
                "hash": serializers.CharField(),
                "signed_at": serializers.CharField(),
                "key_id": serializers.CharField(),
                "signature": serializers.CharField(),
                "heads": serializers.DictField(
                    child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
                    required=False,
                    help_text='the other chains\' heads, {"<chain>": [sequence, hash]}; absent with one chain',
                ),
            },
        )
    )
    def get_statement(self, checkpoint) -> dict:
        return SignedCheckpoint.of(checkpoint).as_json()

    @extend_schema_field(
        serializers.DictField(
            child=inline_serializer(
                "AuditCheckpointHead",
                fields={"sequence": serializers.IntegerField(), "hash": serializers.CharField()},
            )
        )
    )
    def get_heads(self, checkpoint) -> dict:
        return {
            chain: {"sequence": sequence, "hash": digest}
            for chain, (sequence, digest) in sorted(
                normalise_heads(checkpoint.heads).items(), key=lambda item: int(item[0])
            )
        }

    def get_signature_valid(self, checkpoint) -> bool | None:
        keys = self.context.setdefault("_trusted_keys", None)
        if keys is None:
            keys = self.context["_trusted_keys"] = trusted_keys()
        return SignedCheckpoint.of(checkpoint).signature_ok(keys)


class AuditCheckpointViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed checkpoints of the audit chains, newest first (?key_id=, ?ordering=). POST (no body) signs one
    now at every chain's head, as the web page's "Ký điểm kiểm chứng" button (workflows.checkpoints
    .audit_checkpoint_sign, the same policy: may_verify_audit): 201 with it; 409 `checkpoint_refused` when it
    may not be signed (no key or directory configured, an empty log, a chain that does not verify since the
    previous checkpoint), nothing signed."""

    serializer_class = AuditCheckpointSerializer
    permission_classes = [MayVerifyAudit]
    filterset_class = AuditCheckpointFilter
    queryset = AuditCheckpoint.objects.select_related("requested_by").order_by("-signed_at", "-pk")

    @extend_schema(request=None, responses={201: AuditCheckpointSerializer})
    def create(self, request, *args, **kwargs):
        try:
            checkpoint = audit_checkpoint_sign(actor=Actor(user=request.user, client_ip=client_ip(request)))
        except CheckpointError as exc:
            raise CheckpointRefused(str(exc.label)) from exc
        checkpoint = self.get_queryset().get(pk=checkpoint.pk)
        return Response(self.get_serializer(checkpoint).data, status=status.HTTP_201_CREATED)


class CheckpointRefused(APIException):
    """A checkpoint that may not be signed now (workflows.checkpoints.CheckpointError): 409, problem details."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "checkpoint_refused"
