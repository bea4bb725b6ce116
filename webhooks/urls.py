from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscriptions, name="list"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/huy/", views.subscription_end, name="end"),
    path("<int:pk>/doi-khoa/", views.subscription_rotate, name="rotate"),
    path("<int:pk>/gui-lai/<int:delivery_id>/", views.delivery_redeliver, name="redeliver"),
]
