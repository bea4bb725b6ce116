from django.urls import path

from . import views

app_name = "innovation"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("dot/moi/", views.round_create, name="round_create"),
    path("dot/<int:pk>/", views.round_detail, name="round_detail"),
    path("dot/<int:pk>/nguoi-cham/", views.round_reviewers, name="round_reviewers"),
    path("dot/<int:pk>/nhap-excel/", views.round_import, name="round_import"),
    path("dot/<int:pk>/ket-qua.xlsx", views.round_results_excel, name="round_results_excel"),
    path("mau-nhap-sang-kien.xlsx", views.import_template, name="import_template"),
    path("dot/<int:pk>/nop/", views.initiative_submit, name="initiative_submit"),
    path("dot/<int:pk>/xep-hang/", views.round_ranking, name="round_ranking"),
    path("dot/<int:pk>/phan-cong/", views.round_assign_balanced, name="round_assign_balanced"),
    path("dot/<int:pk>/trinh-hoi-dong/", views.round_send_to_council, name="round_send_to_council"),
    path("<int:pk>/", views.initiative_detail, name="initiative_detail"),
    path("<int:pk>/phan-cong/", views.initiative_assign, name="initiative_assign"),
    path("<int:pk>/rut-phan-cong/", views.initiative_unassign, name="initiative_unassign"),
    path("<int:pk>/minh-chung/", views.evidence_upload, name="evidence_upload"),
    path("minh-chung/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/tac-gia/", views.authors_edit, name="authors_edit"),
    path(
        "<int:pk>/giay-chung-nhan/<int:author_pk>.pdf",
        views.certificate_download,
        name="certificate_download",
    ),
    path("<int:pk>/xung-dot/", views.conflict_declare, name="conflict_declare"),
    path("<int:pk>/cong-nhan-trung-uong/", views.central_recognition, name="central_recognition"),
    path("cham-diem/", views.my_reviews, name="my_reviews"),
    path("cham-diem/<int:pk>/", views.review_edit, name="review_edit"),
]
