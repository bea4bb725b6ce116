from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("kiem-tra-nhat-ky/", views.audit_verify, name="audit_verify"),
    path("lich-su/<str:app_label>/<str:model_name>/<str:pk>/", views.history, name="history"),
    path(
        "thao-tac/<str:app_label>/<str:model_name>/<str:pk>/<str:name>/", views.transition, name="transition"
    ),
]
