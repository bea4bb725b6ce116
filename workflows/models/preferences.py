"""A user's own choices that follow them from browser to browser (the interface language)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreference(models.Model):
    """One row per user who has chosen something; no row means the defaults (Vietnamese)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("người dùng"),
    )
    language = models.CharField(
        _("ngôn ngữ giao diện"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("tùy chọn người dùng")
        verbose_name_plural = _("tùy chọn người dùng")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"
