from django.urls import path

from . import views

app_name = "plan"

urlpatterns = [
    path("", views.plan_index, name="index"),
    path("<int:year>/", views.dashboard, name="dashboard"),
    path("<int:year>/xuat-excel/", views.export_xlsx, name="export"),
    path("<int:year>/bao-cao-tong-hop/", views.report, name="report"),
    path("<int:year>/sao-chep-nam-sau/", views.copy_to_next_year, name="copy"),
    path("<int:year>/ban-hanh/", views.issue, name="issue"),
    path("<int:year>/don-vi/", views.unit_plans, name="unit_plans"),
    path("<int:year>/phan-cong/", views.oversight, name="oversight"),
    path("hoat-dong/<int:pk>/", views.activity_detail, name="activity"),
    path("ke-hoach-don-vi/<int:pk>/", views.unit_plan_detail, name="unit_plan"),
]
