"""Labels of the verbs the webhooks app records (workflows.history)."""

from django.utils.translation import gettext_lazy as _

from workflows.history import register

register(
    "webhooks",
    verbs={
        "webhook_subscribed": _("Đăng ký webhook"),
        "webhook_unsubscribed": _("Hủy đăng ký webhook"),
        "webhook_secret_rotated": _("Đổi khóa ký webhook"),
        "webhook_redelivered": _("Gửi lại sự kiện webhook"),
    },
    details={
        "url": _("Địa chỉ nhận"),
        "owner": _("Tài khoản chủ"),
        "subject_types": _("Loại đối tượng"),
        "from_sequence": _("Từ sự kiện số"),
        "from_positions": _("Từ các sự kiện số"),
        "position": _("Sự kiện số"),
    },
)
