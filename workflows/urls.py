from django.urls import path

from . import membership_views, notification_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("kiem-tra-nhat-ky/", views.audit_verify, name="audit_verify"),
    path("kiem-tra-nhat-ky/lan/<int:pk>/", views.audit_check_run, name="audit_check_run"),
    path(
        "kiem-tra-nhat-ky/lan/<int:pk>/tien-do/", views.audit_check_run_status, name="audit_check_run_status"
    ),
    path("thong-bao/gui-thu/", notification_views.delivery_list, name="notification_delivery"),
    path("thong-bao/gui-thu/gui-lai/", notification_views.delivery_resend, name="notification_resend"),
    path("vai-tro/", membership_views.membership_list, name="memberships"),
    path("vai-tro/<int:pk>/phe-duyet/", membership_views.membership_approve_view, name="membership_approve"),
    path("vai-tro/<int:pk>/tu-choi/", membership_views.membership_reject_view, name="membership_reject"),
    path("vai-tro/<int:pk>/ket-thuc/", membership_views.membership_end_view, name="membership_end"),
    path("lich-su/<str:app_label>/<str:model_name>/<str:pk>/", views.history, name="history"),
    path(
        "thao-tac/<str:app_label>/<str:model_name>/<str:pk>/<str:name>/", views.transition, name="transition"
    ),
]
