from django.urls import path

from . import central_views, exports, rules_views, unit_round_views, views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("tao-moi/", views.dossier_create, name="create"),
    path("<int:pk>/", views.dossier_detail, name="detail"),
    path("<int:pk>/tra-lai/", views.dossier_return, name="return"),
    path("<int:pk>/tham-dinh/", views.dossier_appraise, name="appraise"),
    path("<int:pk>/quyet-dinh/", views.dossier_decide, name="decide"),
    path("<int:pk>/thay-doi/", views.dossier_changes, name="changes"),
    path("<int:pk>/danh-sach-khen-thuong.xlsx", exports.awardees_excel, name="awardees_excel"),
    path("<int:pk>/du-thao-quyet-dinh.pdf", exports.decision_pdf, name="decision_pdf"),
    path("<int:pk>/to-trinh.pdf", exports.proposal_pdf, name="proposal_pdf"),
    path("<int:pk>/cong-khai-truoc-hoi-dong/", central_views.public_notice, name="public_notice"),
    path("<int:pk>/hiep-y/", central_views.consultation, name="consultation"),
    path("<int:pk>/ho-so-trinh-trung-uong.zip", central_views.forwarding_package, name="forwarding_package"),
    path("doi-tuong/<int:pk>/", views.line_edit, name="line_edit"),
    path("doi-tuong/<int:pk>/bot/", views.line_remove, name="line_remove"),
    path("ca-nhan-tap-the/<int:pk>/", views.nominee_detail, name="nominee"),
    path("ca-nhan-tap-the/<int:pk>/khai-bao/<str:kind>/", views.nominee_declare, name="nominee_declare"),
    path(
        "ca-nhan-tap-the/<int:pk>/mau-qua-trinh.xlsx", views.nominee_history_template, name="history_template"
    ),
    path("ca-nhan-tap-the/<int:pk>/nhap-qua-trinh/", views.nominee_history_import, name="history_import"),
    path("ca-nhan-tap-the/<int:pk>/tam-dung/", views.nominee_hold_add, name="nominee_hold_add"),
    path("tam-dung/<int:pk>/go/", views.nominee_hold_lift, name="hold_lift"),
    path("qua-trinh/<str:kind>/<int:pk>/<str:verb>/", views.history_review, name="history_review"),
    path("tai-lieu/<int:pk>/", views.document_download, name="document"),
    path("qua-han/", views.overdue, name="overdue"),
    path("cong-khai/", views.public_posting, name="public"),
    path("so-vang/", views.register, name="register"),
    path("so-vang.xlsx", exports.register_excel, name="register_excel"),
    path("ca-nhan-tap-the/<int:pk>/chuyen-cong-tac/", views.nominee_transfer, name="nominee_transfer"),
    path("dot-binh-xet/", unit_round_views.round_list, name="unit_rounds"),
    path("dot-binh-xet/<int:pk>/", unit_round_views.round_detail, name="unit_round"),
    path(
        "dot-binh-xet/<int:pk>/mau-danh-sach.xlsx",
        unit_round_views.round_template,
        name="unit_round_template",
    ),
    path(
        "dot-binh-xet/<int:pk>/quyet-dinh.pdf",
        unit_round_views.round_decision_pdf,
        name="unit_round_decision_pdf",
    ),
    path("quy-dinh/", rules_views.rules_list, name="rules"),
    path("quy-dinh/<int:pk>/", rules_views.rule_version_detail, name="rule_version"),
    path("quy-dinh/<int:pk>/tao-ban-sao/", rules_views.rule_version_copy, name="rule_version_copy"),
    path("quy-dinh/danh-hieu/<int:pk>/", rules_views.rule_award_edit, name="rule_award"),
]
