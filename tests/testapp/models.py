"""A small, test-only state machine that exercises the engine and the API convention."""

from django.db import models

from workflows.models import StateField, StatefulModel


class WidgetState(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    SUBMITTED = "submitted", "Đã nộp"
    RETURNED = "returned", "Trả lại"
    APPROVED = "approved", "Đã duyệt"
    CANCELLED = "cancelled", "Đã hủy"


class Widget(StatefulModel):
    title = models.CharField(max_length=200)
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT)
    state = StateField(choices=WidgetState.choices, default=WidgetState.DRAFT)
    deadline = models.DateField(null=True, blank=True)
    score = models.IntegerField(default=0)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"/widgets/{self.pk}/"
