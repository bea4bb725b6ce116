"""The pages that show audit events by their place in a chain («3·12»), as a Board officer or an auditor reads
them (issue 19's pages looked at in a browser): the place is explained by a legend and by a tooltip naming the
chain and the number, wide tables scroll inside the page on a phone instead of widening it, a signature breaks
instead of pushing the page sideways, a check resumed from a checkpoint over several chains names that checkpoint,
and a webhook's delivery log gives each event's time, so its order (commit order) reads naturally."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.html import strip_tags

from webhooks.models import Delivery, Subscription
from workflows import audit, engine
from workflows.audit import SYSTEM
from workflows.audit_check import start_audit_check
from workflows.checkpoints import audit_checkpoint_sign
from workflows.models import AuditCheckMode, AuditEvent, MailStatus, Notification

from ..dossiers.helpers import ready_dossier

pytestmark = pytest.mark.django_db

LEGEND = "«3·12» là sự kiện số 12 của chuỗi 3"


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")


@pytest.fixture
def four_chains(settings):
    settings.AUDIT_CHAINS = 4


@pytest.fixture
def one_chain(settings):
    settings.AUDIT_CHAINS = 1


@pytest.fixture
def spread(four_chains, cast):
    """A dossier created in chain 3, submitted in chain 1 and accepted in chain 4."""
    with audit.use_chain(3):
        dossier = ready_dossier(cast)
    with audit.use_chain(1):
        engine.perform(dossier, "submit", user=cast.head)
    with audit.use_chain(4):
        engine.perform(dossier, "accept", user=cast.board)
    return dossier


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(html: str) -> str:
    return " ".join(strip_tags(html).split())


def _event(dossier, verb) -> AuditEvent:
    return AuditEvent.objects.get(subject_type__model="dossier", subject_id=str(dossier.pk), verb=verb)


def test_the_history_explains_each_event_s_place_in_its_chain(cast, spread):
    html = _client(cast.board).get(f"/lich-su/dossiers/dossier/{spread.pk}/").content.decode()
    accept, submit = _event(spread, "accept"), _event(spread, "submit")
    assert LEGEND in _text(html)
    assert f'title="Chuỗi 4, sự kiện số {accept.sequence}">#4·{accept.sequence}</span>' in html
    assert f'title="Chuỗi 1, sự kiện số {submit.sequence}">#{submit.sequence}</span>' in html
    # the steps' table of the lifecycle panel scrolls inside the page on a phone
    assert re.search(r'<div class="table-scroll"><table class="small lifecycle-durations">', html)


def test_the_checkpoints_table_scrolls_and_its_signatures_break(cast, spread):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    html = _client(cast.auditor).get("/kiem-tra-nhat-ky/").content.decode()
    assert LEGEND in _text(html)
    assert f'<code class="small break-anywhere">{checkpoint.signature}</code>' in html
    assert html.count('<div class="table-scroll">') == 1  # the checkpoints (no check run yet)
    assert 'wrap="off"' in html  # one checkpoint a line in the block to copy


def test_a_check_resumed_over_several_chains_names_its_checkpoint_in_the_runs_table(cast, spread):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    with audit.use_chain(2):
        engine.perform(spread.lines.get(), "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
    run, started = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=SYSTEM)
    assert started and run.resumed_from == checkpoint
    signed_at = timezone.localtime(checkpoint.signed_at).strftime("%d/%m/%Y %H:%M:%S")
    for url in ("/kiem-tra-nhat-ky/", f"/kiem-tra-nhat-ky/lan/{run.pk}/"):
        html = _client(cast.auditor).get(url).content.decode()
        assert f"Điểm kiểm chứng ký lúc {signed_at}" in _text(html)
        places = ", ".join(f"#{place}" for place in _places(checkpoint))
        assert f'title="{places}"' in html
        assert '<div class="table-scroll">' in html


def _places(checkpoint) -> list[str]:
    shown = [str(checkpoint.sequence)] if checkpoint.sequence else []
    return shown + [f"{chain}·{head[0]}" for chain, head in checkpoint.heads.items()]


def test_a_check_resumed_in_one_chain_still_shows_the_event_number(one_chain, cast):
    ready_dossier(cast)
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=SYSTEM)
    assert not checkpoint.heads
    html = _client(cast.auditor).get("/kiem-tra-nhat-ky/").content.decode()
    assert f'title="Chuỗi 1, sự kiện số {checkpoint.sequence}">#{checkpoint.sequence}</span>' in html


def test_the_mail_delivery_page_explains_the_event_place_and_scrolls(cast, spread):
    accept = _event(spread, "accept")
    Notification.objects.create(
        recipient=cast.head,
        event=accept,
        key="test-accept",
        text="Ban TĐKT đã tiếp nhận",
        mail_status=MailStatus.SENT,
    )
    html = _client(cast.board).get("/thong-bao/gui-thu/").content.decode()
    assert LEGEND in _text(html)
    assert f'title="Chuỗi 4, sự kiện số {accept.sequence}">#4·{accept.sequence}</span>' in html
    assert '<div class="table-scroll">' in html


@override_settings(WEBHOOKS_ALLOW_PRIVATE_HOSTS=True)
def test_a_webhook_delivery_log_gives_each_event_s_chain_and_time(cast, spread):
    accept, submit = _event(spread, "accept"), _event(spread, "submit")
    subscription = Subscription.objects.create(
        name="Cổng tỉnh", url="https://example.vn/hook", secret="x" * 32, owner=cast.board_head, positions={}
    )
    for event in (submit, accept):
        Delivery.objects.create(
            subscription=subscription, event=event, chain=event.chain, sequence=event.sequence
        )
    client = _client(cast.board_head)
    html = client.get(f"/webhook/{subscription.pk}/").content.decode()
    text = _text(html)
    assert LEGEND in text and "Thời điểm sự kiện" in text
    assert f'title="Chuỗi 4, sự kiện số {accept.sequence}">4·{accept.sequence}</span>' in html
    when = timezone.localtime(accept.created_at).strftime("%d/%m/%Y %H:%M:%S")
    assert re.search(rf"4·{accept.sequence}</span></td><td class=\"small\">{re.escape(when)}</td>", html)
    # the newest first: the acceptance above the submission
    assert html.index(f">4·{accept.sequence}<") < html.index(f">{submit.sequence}<")
    assert '<div class="actions-row">' in html and '<div class="table-scroll">' in html
    listing = client.get("/webhook/").content.decode()
    assert '<div class="table-scroll">' in listing


def test_a_check_run_over_several_chains_explains_the_places(cast, spread):
    run, started = start_audit_check(mode=AuditCheckMode.FULL, actor=SYSTEM)
    assert started and run.several_chains
    assert LEGEND in _text(_client(cast.auditor).get(f"/kiem-tra-nhat-ky/lan/{run.pk}/").content.decode())


def test_a_check_run_in_one_chain_has_no_legend_of_chains(one_chain, cast):
    ready_dossier(cast)
    run, _started = start_audit_check(mode=AuditCheckMode.FULL, actor=SYSTEM)
    assert LEGEND not in _text(_client(cast.auditor).get(f"/kiem-tra-nhat-ky/lan/{run.pk}/").content.decode())


def test_a_long_webhook_address_breaks_on_a_phone_instead_of_squeezing_the_name(cast):
    subscription = Subscription.objects.create(
        name="Cổng tỉnh",
        url="https://example.vn/webhook/tdkt",
        secret="x" * 32,
        owner=cast.board_head,
        positions={},
    )
    client = _client(cast.board_head)
    for url in ("/webhook/", f"/webhook/{subscription.pk}/"):
        assert (
            '<code class="break-anywhere">https://example.vn/webhook/tdkt</code>'
            in client.get(url).content.decode()
        )


def test_the_mail_delivery_page_keeps_the_text_column_readable_when_it_scrolls(cast):
    Notification.objects.create(recipient=cast.head, key="k", text="Hồ sơ đã được tiếp nhận")
    html = _client(cast.board).get("/thong-bao/gui-thu/").content.decode()
    assert '<td class="cell-wide">Hồ sơ đã được tiếp nhận</td>' in html


def test_a_checkpoint_over_several_chains_names_chain_1_s_head_as_such(cast, spread):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    assert checkpoint.heads
    html = _client(cast.auditor).get("/kiem-tra-nhat-ky/").content.decode()
    assert f'title="Chuỗi 1, sự kiện số {checkpoint.sequence}">#{checkpoint.sequence}</span>' in html
    for chain, (sequence, _digest) in checkpoint.heads.items():
        assert f"<br>#{chain}·{sequence}" in html
