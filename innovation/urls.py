from django.urls import path

from . import views

app_name = "innovation"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("dot/<int:pk>/", views.round_detail, name="round_detail"),
    path("dot/<int:pk>/nop/", views.initiative_submit, name="initiative_submit"),
    path("dot/<int:pk>/xep-hang/", views.round_ranking, name="round_ranking"),
    path("dot/<int:pk>/phan-cong/", views.round_assign_balanced, name="round_assign_balanced"),
    path("dot/<int:pk>/trinh-hoi-dong/", views.round_send_to_council, name="round_send_to_council"),
    path("<int:pk>/", views.initiative_detail, name="initiative_detail"),
    path("<int:pk>/phan-cong/", views.initiative_assign, name="initiative_assign"),
    path("<int:pk>/xung-dot/", views.conflict_declare, name="conflict_declare"),
    path("cham-diem/", views.my_reviews, name="my_reviews"),
    path("cham-diem/<int:pk>/", views.review_edit, name="review_edit"),
]
