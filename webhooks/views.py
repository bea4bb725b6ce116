"""Pages: a subscriber's webhooks (register, end, rotate the key) and each one's delivery log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows.http import request_actor
from workflows.policies import PolicyDenied, require

from . import services
from .forms import SubscriptionForm
from .models import Subscription
from .policies import may_manage_subscription, may_subscribe_webhooks, owned_subscription_ids


def _owned(request, pk) -> Subscription:
    subscription = get_object_or_404(Subscription, pk=pk, pk__in=owned_subscription_ids(request.user))
    require(may_manage_subscription, request_actor(request), subscription)
    return subscription


@login_required
def subscriptions(request):
    require(may_subscribe_webhooks, request_actor(request))
    form = SubscriptionForm(request.POST or None)
    secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.subscribe(
                actor=request_actor(request),
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                subject_types=form.cleaned_data["subject_types"],
            )
            form = SubscriptionForm()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    rows = Subscription.objects.filter(pk__in=owned_subscription_ids(request.user)).order_by("-pk")
    status = 201 if secret else (400 if form.errors else 200)
    return render(
        request,
        "webhooks/subscriptions.html",
        {"form": form, "rows": rows, "secret": secret, "created": created},
        status=status,
    )


@login_required
def subscription_detail(request, pk):
    subscription = _owned(request, pk)
    deliveries = subscription.deliveries.select_related("event").order_by("-event_id")[:200]
    return render(
        request,
        "webhooks/subscription_detail.html",
        {"subscription": subscription, "deliveries": deliveries, "secret": None},
    )


@login_required
@require_POST
def subscription_end(request, pk):
    services.unsubscribe(_owned(request, pk), actor=request_actor(request))
    return redirect("webhooks:detail", pk=pk)


@login_required
@require_POST
def subscription_rotate(request, pk):
    subscription = _owned(request, pk)
    secret = services.rotate_secret(subscription, actor=request_actor(request))
    deliveries = subscription.deliveries.select_related("event").order_by("-event_id")[:200]
    return render(
        request,
        "webhooks/subscription_detail.html",
        {"subscription": subscription, "deliveries": deliveries, "secret": secret},
    )


@login_required
@require_POST
def delivery_redeliver(request, pk, delivery_id):
    subscription = _owned(request, pk)
    delivery = get_object_or_404(subscription.deliveries, pk=delivery_id)
    try:
        services.redeliver(delivery, actor=request_actor(request))
    except (ValidationError, PolicyDenied) as error:
        from django.contrib import messages

        messages.error(
            request, " ".join(getattr(error, "messages", [str(error)])) or _("Không gửi lại được.")
        )
    return redirect("webhooks:detail", pk=pk)
