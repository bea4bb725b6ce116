from django.urls import path

from . import views

app_name = "councils"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("phien/moi/", views.session_create, name="session_create"),
    path("phien/<int:pk>/", views.session_detail, name="session_detail"),
    path("phien/<int:pk>/them-muc/", views.agenda_item_add, name="agenda_item_add"),
    path("phien/<int:pk>/bo-phieu/", views.ballot_cast, name="ballot_cast"),
    path("phien/<int:pk>/diem-danh/", views.attendance_record, name="attendance_record"),
    path("phien/<int:pk>/phieu-van-ban/", views.written_vote_record, name="written_vote_record"),
    path(
        "phien/<int:pk>/phieu-van-ban/<int:vote_pk>/xac-nhan/",
        views.written_vote_confirm,
        name="written_vote_confirm",
    ),
    path(
        "phien/<int:pk>/phieu-van-ban/<int:vote_pk>/tra-lai/",
        views.written_vote_reject,
        name="written_vote_reject",
    ),
    path(
        "phien/<int:pk>/phieu-van-ban/<int:vote_pk>/van-ban.pdf",
        views.written_vote_document,
        name="written_vote_document",
    ),
    path("phien/<int:pk>/ket-thuc-bo-phieu/", views.close_voting, name="close_voting"),
    path("phien/<int:pk>/bien-ban-hop.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("phien/<int:pk>/bien-ban-kiem-phieu.pdf", views.tally_pdf, name="tally_pdf"),
    path("muc/<int:pk>/khong-tham-gia/", views.recusal_declare, name="recusal_declare"),
    path("phien/<int:pk>/chuyen-gia/", views.session_expert_invite, name="session_expert_invite"),
    path(
        "phien/<int:pk>/chuyen-gia/<int:user_id>/thoi-moi/",
        views.session_expert_uninvite,
        name="session_expert_uninvite",
    ),
]
