from django.urls import path

from . import views

app_name = "emulation"

urlpatterns = [
    path("phan-chia/<int:year>/", views.division_detail, name="division"),
    path("phan-chia/<int:year>/tao/", views.division_open, name="division_open"),
]
