"""A dossier's history in words (issue 14 item 9): the transitions' and verbs' labels, field and state labels,
local time to the second, what each event concerns, the lines' events marked as such; the JSON and CSV
exports keep every raw code beside the labels."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils.html import strip_tags

from dossiers import services
from workflows.history import local_time
from workflows.models import AuditEvent

from .helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(cast):
    dossier = ready_dossier(cast)
    line = dossier.lines.get()
    services.line_update(line=line, user=cast.officer, achievement_report="Thành tích xuất sắc năm 2023.")
    walk_to(cast, dossier, "appraised")
    return dossier, line


def _page(cast, dossier, query=""):
    client = Client()
    client.force_login(cast.auditor)
    return client.get(f"/lich-su/dossiers/dossier/{dossier.pk}/{query}")


def test_the_history_page_shows_labels_local_time_and_what_each_event_concerns(cast, walked):
    dossier, line = walked
    response = _page(cast, dossier)
    assert response.status_code == 200
    text = " ".join(strip_tags(response.content.decode()).split())
    # the transitions' own labels and the states' labels, never the codes
    assert "Trình hồ sơ · Dự thảo → Đã trình" in text
    assert "Tiếp nhận · Đã trình → Ban TĐKT đã tiếp nhận" in text
    assert "Ký duyệt thẩm định" in text
    # verbs outside the machine get their registered labels; what they concern is named
    assert "Tạo mới" in text and "Thêm đối tượng đề nghị" in text and "Sửa đối tượng đề nghị" in text
    assert f"Đối tượng: {line.nominee.full_name}" in text
    document = dossier.documents.order_by("pk").first()
    assert "Tải lên tài liệu" in text and f"Tài liệu: {document}" in text
    # field verbose names and state labels in the changes
    assert "trạng thái: Dự thảo → Đã trình" in text
    assert "báo cáo thành tích" in text.lower()
    assert "achievement_report:" not in text and "deadline:" not in text
    assert re.search(r"hạn xử lý bước hiện tại: (—|\d{2}/\d{2}/\d{4}) → \d{2}/\d{2}/\d{4}", text)
    for code in ("document_upload", "nominee_add", "nominee_update", "sign_off", "draft", "submitted"):
        assert not re.search(rf"\b{code}\b", text), text[
            max(0, text.find(code) - 300) : text.find(code) + 100
        ]
    # local time (Asia/Ho_Chi_Minh) to the second
    submitted = AuditEvent.objects.get(verb="submit")
    assert local_time(submitted.created_at) in text
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", text)
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", text) and "+00:00" not in text


def test_the_dossier_history_includes_its_lines_events_marked_as_such(cast, walked):
    dossier, line = walked
    text = " ".join(strip_tags(_page(cast, dossier).content.decode()).split())
    # the Board's appraisal of the line is recorded on the line, and shown on the dossier's history
    assert f"Đối tượng trong hồ sơ {line}" in text
    assert "Đề nghị trình hội đồng · Chờ thẩm định → Ban đề nghị trình hội đồng" in text
    assert "Đủ tiêu chuẩn" in text


def test_the_exports_keep_the_raw_codes_beside_the_labels(cast, walked):
    dossier, line = walked
    exported = _page(cast, dossier, "?format=json").json()
    submit = next(e for e in exported["events"] if e["verb"] == "submit")
    assert submit["verb_label"] == "Trình hồ sơ"
    assert (submit["source_state"], submit["source_state_label"]) == ("draft", "Dự thảo")
    assert (submit["target_state"], submit["target_state_label"]) == ("submitted", "Đã trình")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", submit["created_at_local"])
    assert submit["part"] == "" and submit["subject_ref"] == f"dossiers.dossier:{dossier.pk}"
    assert submit["subject"] == {
        "kind": "dossier",
        "id": dossier.pk,
        "url": f"/api/v1/dossiers/{dossier.pk}/",
    }
    propose = next(e for e in exported["events"] if e["verb"] == "propose")
    assert propose["subject_ref"] == f"dossiers.dossiernominee:{line.pk}" and propose["part"] == str(line)
    assert (propose["subject"]["kind"], propose["subject"]["id"]) == ("dossier_line", line.pk)
    assert propose["verb_label"] == "Đề nghị trình hội đồng"
    upload = next(e for e in exported["events"] if e["verb"] == "document_upload")
    document = dossier.documents.get(pk=upload["data"]["document"])
    assert {"label": "Tài liệu", "value": str(document)} in upload["concerns"]
    rows = list(csv.DictReader(io.StringIO(_page(cast, dossier, "?format=csv").content.decode("utf-8-sig"))))
    header = list(rows[0])
    assert header[:13] == [
        "sequence",
        "created_at",
        "actor",
        "actor_name",
        "role",
        "on_behalf_of",
        "on_behalf_of_name",
        "verb",
        "source_state",
        "target_state",
        "comment",
        "client_ip",
        "hash",
    ]
    submit_row = next(r for r in rows if r["verb"] == "submit")
    assert submit_row["verb_label"] == "Trình hồ sơ" and submit_row["source_state"] == "draft"
    assert submit_row["target_state_label"] == "Đã trình" and submit_row["role_label"] == "Thủ trưởng đơn vị"
    assert submit_row["created_at_local"] == local_time(AuditEvent.objects.get(verb="submit").created_at)
    propose_row = next(r for r in rows if r["verb"] == "propose")
    assert propose_row["part"] == str(line) and propose_row["subject"] == f"dossiers.dossiernominee:{line.pk}"
    assert any(r["verb"] == "nominee_add" and line.nominee.full_name in r["concerns"] for r in rows)


def test_the_api_history_carries_the_labels(cast, walked, api):
    dossier, _line = walked
    events = api(cast.board).get(f"/api/dossiers/{dossier.pk}/history/").json()
    submit = next(e for e in events if e["verb"] == "submit")
    assert submit["verb_label"] == "Trình hồ sơ" and submit["target_state_label"] == "Đã trình"
    assert submit["role_label"] == "Thủ trưởng đơn vị"
    assert submit["created_at_local"] == local_time(AuditEvent.objects.get(verb="submit").created_at)


def test_local_time_is_ho_chi_minh_to_the_second_whatever_the_active_zone(settings):
    from django.utils import timezone

    moment = datetime(2026, 12, 1, 17, 30, 5, 123456, tzinfo=UTC)
    with timezone.override("Europe/London"):
        assert local_time(moment) == "02/12/2026 00:30:05"
