"""API: /api/webhooks/ — register (the signing key is in the answer once), list, end, rotate the key, read the
delivery log and send a failed delivery again. A subscriber sees their own subscriptions only (others: 404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.http import request_actor

from . import services
from .models import Delivery, Subscription
from .policies import owned_subscription_ids


class SubscriptionSerializer(serializers.ModelSerializer):
    subject_types = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )

    positions = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text='The cursor in the audit log: {"<chain>": the last sequence read in that chain}.',
    )
    #: Deprecated (issue 19): the cursor when the log was one chain; now the position in the first chain (see
    #: `positions`). Kept for one release (docs/api-versioning.md), then removed.
    last_sequence = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = ["id", "name", "url", "subject_types", "active", "positions", "last_sequence", "created_at"]
        read_only_fields = ["id", "active", "positions", "last_sequence", "created_at"]

    @extend_schema_field(
        {
            "type": "integer",
            "deprecated": True,
            "description": "Deprecated: the cursor in the first chain of the audit log; read `positions`. Removed "
            "in the release after the one that split the log into chains (docs/api-versioning.md).",
        }
    )
    def get_last_sequence(self, subscription) -> int:
        return subscription.last_sequence


class CreatedSubscriptionSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing key; shown in this answer only.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "chain",
            "sequence",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]


SecretSerializer = inline_serializer("WebhookSecret", fields={"secret": serializers.CharField()})


class SubscriptionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions of the signed-in Board head or unit head (workflows.policies: may_subscribe_webhooks).

    Every audit event whose subject the owner may see is POSTed to `url` as JSON, in order, at least once, with
    its place in the log (`X-TDKT-Chain`, `X-TDKT-Sequence`, the body's `chain` and `sequence`), signed: `X-TDKT-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`."""

    serializer_class = SubscriptionSerializer

    def get_queryset(self):
        return Subscription.objects.filter(pk__in=owned_subscription_ids(self.request.user)).order_by("pk")

    @extend_schema(responses={201: CreatedSubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, secret = services.subscribe(
            actor=request_actor(self.request), **serializer.validated_data
        )
        body = CreatedSubscriptionSerializer(subscription).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.unsubscribe(self.get_object(), actor=request_actor(self.request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: SecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        return Response(
            {"secret": services.rotate_secret(self.get_object(), actor=request_actor(self.request))}
        )

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        rows = subscription.deliveries.order_by("-event_id")[:200]
        return Response(DeliverySerializer(rows, many=True).data)

    @extend_schema(request=None, responses={200: DeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        subscription = self.get_object()
        delivery = get_object_or_404(subscription.deliveries, pk=delivery_id)
        return Response(
            DeliverySerializer(services.redeliver(delivery, actor=request_actor(self.request))).data
        )
