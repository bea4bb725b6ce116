"""Issue 15: notification mail that is not lost. The notification row is written in the notifier's locked
transaction; its mail goes out afterwards, from one task per notification, retried with backoff on SMTP and
network errors and recorded (status, attempts, last error, sent at); the Board sees it and sends a failed
one again."""

from __future__ import annotations

from smtplib import SMTPException, SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from tests.testapp.models import Widget
from workflows import engine, history
from workflows.models import AuditEvent, MailStatus, Notification, Role
from workflows.tasks import MAIL_MAX_RETRIES, dispatch_notifications, send_notification_mail

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ đề nghị khen thưởng", unit=unit)


@pytest.fixture
def submitted(widget, unit, person, settings):
    """A submitted widget whose notifications are not yet dispatched (the worker's beat task does it)."""
    settings.NOTIFICATIONS_DISPATCH_ON_COMMIT = False
    officer = person("officer", Role.BOARD_OFFICER)
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    return officer


def test_no_mail_goes_out_while_the_dispatch_lock_is_held(submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert dispatch_notifications() == 1
    notification = Notification.objects.get(recipient=submitted)
    # the locked transaction is over and wrote the notification; its mail is only queued, for after the commit
    assert notification.mail_status == MailStatus.PENDING and notification.attempts == 0
    assert notification.event == AuditEvent.objects.get(verb="submit")
    assert mail.outbox == [] and len(queued) == 1
    queued[0]()
    notification.refresh_from_db()
    [message] = mail.outbox
    assert message.to == [submitted.email] and message.subject == notification.mail_subject
    assert notification.mail_status == MailStatus.SENT and notification.attempts == 1
    assert notification.sent_at is not None and notification.last_error == ""


def test_the_mail_task_runs_outside_the_notifier_lock(submitted, django_capture_on_commit_callbacks):
    """Send_mail is called only once dispatch_notifications has left its transaction (and its row lock)."""
    inside = []
    real_dispatch = dispatch_notifications

    def observed_send_mail(*args, **kwargs):
        inside.append(list(transaction.get_connection().savepoint_ids))  # the open savepoints at send time
        return 1

    with (
        mock.patch("workflows.notifications.send_mail", side_effect=observed_send_mail),
        django_capture_on_commit_callbacks(execute=True),
    ):
        real_dispatch()
    # the test's own transaction is the only one still open: no savepoint of the dispatch remains
    assert inside == [[]]


def test_a_recipient_without_an_address_gets_no_mail(
    widget, unit, person, django_capture_on_commit_callbacks
):
    officer = person("officer", Role.BOARD_OFFICER)
    officer.email = ""
    officer.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    notification = Notification.objects.get(recipient=officer)
    assert notification.mail_status == MailStatus.NONE and mail.outbox == []
    assert len(queued) == 1  # the dispatch only: no mail task was queued


def test_a_mail_failure_is_retried_with_backoff_and_recorded_as_failed(
    submitted, django_capture_on_commit_callbacks
):
    assert send_notification_mail.autoretry_for == (SMTPException, OSError)
    assert send_notification_mail.retry_backoff is True and send_notification_mail.max_retries == 6
    with (
        mock.patch(
            "workflows.notifications.send_mail", side_effect=SMTPException("421 dịch vụ tạm ngừng")
        ) as sender,
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatch_notifications()  # the failing mail neither raises here nor undoes the notification
    notification = Notification.objects.get(recipient=submitted)
    assert sender.call_count == 1 + MAIL_MAX_RETRIES
    assert notification.mail_status == MailStatus.FAILED and notification.attempts == 1 + MAIL_MAX_RETRIES
    assert notification.last_error == "SMTPException: 421 dịch vụ tạm ngừng" and notification.sent_at is None
    assert sender.call_args.kwargs["fail_silently"] is False


def test_a_mail_that_fails_twice_then_goes_through_is_sent(submitted, django_capture_on_commit_callbacks):
    outcomes = [SMTPServerDisconnected("mất kết nối"), ConnectionRefusedError(111, "Connection refused"), 1]
    with (
        mock.patch("workflows.notifications.send_mail", side_effect=outcomes),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatch_notifications()
    notification = Notification.objects.get(recipient=submitted)
    assert notification.mail_status == MailStatus.SENT and notification.attempts == 3
    assert notification.last_error == "" and notification.sent_at is not None


def test_a_sent_mail_is_not_sent_again(submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_notifications()
    notification = Notification.objects.get(recipient=submitted)
    assert send_notification_mail.delay(notification.pk).get() == MailStatus.SENT
    assert len(mail.outbox) == 1


# --- the Board's page -------------------------------------------------------------------------------------


def failed_notification(submitted, django_capture_on_commit_callbacks) -> Notification:
    with (
        mock.patch("workflows.notifications.send_mail", side_effect=OSError(101, "Network is unreachable")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatch_notifications()
    return Notification.objects.get(recipient=submitted)


def test_the_board_sees_the_delivery_of_each_notification_and_filters_by_status(
    client, submitted, person, django_capture_on_commit_callbacks
):
    failed = failed_notification(submitted, django_capture_on_commit_callbacks)
    sent = Notification.objects.create(
        recipient=person("other", Role.BOARD_OFFICER),
        key="x",
        text="Lịch họp hội đồng",
        mail_status=MailStatus.SENT,
    )
    client.force_login(submitted)
    page = client.get("/thong-bao/gui-thu/").content.decode()
    assert f"{failed.text}</a>" in page and "Lịch họp hội đồng" in page
    assert '<span class="badge kind-refused">Gửi không được</span>' in page
    assert '<span class="badge kind-done">Đã gửi</span>' in page
    assert "OSError: [Errno 101] Network is unreachable" in page and "Gửi lại</button>" in page
    filtered = client.get("/thong-bao/gui-thu/", {"status": "failed"}).content.decode()
    assert failed.text in filtered and sent.text not in filtered
    assert client.get("/thong-bao/gui-thu/", {"status": "bogus"}).status_code == 200


def test_resend_is_the_boards_and_is_audited(
    client, submitted, person, unit, django_capture_on_commit_callbacks
):
    failed = failed_notification(submitted, django_capture_on_commit_callbacks)
    auditor, unit_officer = (
        person("auditor", Role.AUDITOR),
        person("unit.officer", Role.UNIT_OFFICER, unit=unit),
    )
    client.force_login(auditor)
    page = client.get("/thong-bao/gui-thu/").content.decode()
    assert "Network is unreachable" in page and "Gửi lại</button>" not in page  # auditors read only
    assert client.post("/thong-bao/gui-thu/gui-lai/", {"notification": failed.pk}).status_code == 403
    client.force_login(unit_officer)
    assert client.get("/thong-bao/gui-thu/").status_code == 403
    assert client.post("/thong-bao/gui-thu/gui-lai/", {"notification": failed.pk}).status_code == 403
    assert not AuditEvent.objects.filter(verb="notification_resent").exists() and mail.outbox == []

    head = person("board.head", Role.BOARD_HEAD)
    client.force_login(head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/thong-bao/gui-thu/gui-lai/", {"notification": failed.pk, "status": "failed"})
    assert response.status_code == 302 and response["Location"] == "/thong-bao/gui-thu/?status=failed"
    failed.refresh_from_db()
    assert failed.mail_status == MailStatus.SENT and failed.attempts == 2 + MAIL_MAX_RETRIES
    assert [m.to for m in mail.outbox] == [[submitted.email]]
    event = AuditEvent.objects.get(verb="notification_resent")
    assert event.actor == head and event.role == Role.BOARD_HEAD and event.subject_id == str(failed.pk)
    assert history.verb_label(Notification, "notification_resent") == "Gửi lại thư thông báo"


def test_only_a_failed_mail_can_be_resent_and_a_bad_id_is_a_404(
    client, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_notifications()
    sent = Notification.objects.get(recipient=submitted)
    client.force_login(submitted)
    response = client.post("/thong-bao/gui-thu/gui-lai/", {"notification": sent.pk}, follow=True)
    assert "Chỉ gửi lại được thư đã gửi không được." in response.content.decode()
    assert len(mail.outbox) == 1 and not AuditEvent.objects.filter(verb="notification_resent").exists()
    assert client.post("/thong-bao/gui-thu/gui-lai/", {"notification": "abc"}).status_code == 404
    assert client.post("/thong-bao/gui-thu/gui-lai/", {"notification": 999999}).status_code == 404
    assert client.get("/thong-bao/gui-thu/gui-lai/").status_code == 405
