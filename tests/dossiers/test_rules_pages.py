"""The rules page read as the Board (UX review): its history of edits shows the values as the page shows and takes
them (dates day-first, yes/no, the legal basis one act as typed, the deadlines by their step), never Python's repr."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers.models import RuleVersion

pytestmark = pytest.mark.django_db


def test_the_history_of_a_copied_and_edited_version_reads_as_the_form_writes(cast, client):
    source = RuleVersion.objects.get(code="nd152-2025")
    client.force_login(cast.board_head)
    client.post(
        reverse("dossiers:rule_version_copy", args=[source.pk]), {"code": "nd-2027", "name": "Bản 2027"}
    )
    copy = RuleVersion.objects.get(code="nd-2027")
    award = copy.awards.get(code="bk-tp")
    form = {
        "deciding_authority": award.deciding_authority,
        "vote_threshold_percent": "65",
        "vote_threshold_base": "present",
        "vote_threshold_strict": "on" if award.vote_threshold_strict else "",
        "secret_ballot": "on",
        "public_notice_required": "on",
        "public_notice_days": "10",
        "required_documents": award.required_documents[:1],
        "legal_source": award.legal_source,
    }
    assert client.post(reverse("dossiers:rule_award", args=[award.pk]), form).status_code == 302
    page = client.get(reverse("dossiers:rule_version", args=[copy.pk])).content.decode()
    history = page.split("Lịch sử thay đổi", 1)[1]
    assert "Phải công khai: không → có" in history  # not False → True
    assert "Số thành viên có mặt" in history and "present" not in history  # a choice by its label
    dropped = award.required_documents[1]  # a document kind by its label, not its code
    assert "Thành phần hồ sơ bắt buộc: Tờ trình, " in history and dropped not in history
    assert "Luật | 06/2022/QH15 | 15/06/2022 | Luật Thi đua, khen thưởng" in history  # as the form takes it
    assert "2022-06-15" not in history and "{&#x27;" not in history and "[{" not in history
    assert "Thẩm định: 20" in history and "appraised" not in history  # a deadline by its step


def test_an_award_that_must_be_posted_is_refused_zero_days_with_the_input_kept(cast, client):
    source = RuleVersion.objects.get(code="nd152-2025")
    client.force_login(cast.board_head)
    client.post(
        reverse("dossiers:rule_version_copy", args=[source.pk]), {"code": "nd-2028", "name": "Bản 2028"}
    )
    award = RuleVersion.objects.get(code="nd-2028").awards.get(code="bk-tp")
    form = {
        "deciding_authority": "Chủ tịch UBND thành phố (sửa)",
        "vote_threshold_percent": "65",
        "vote_threshold_base": award.vote_threshold_base,
        "secret_ballot": "on",
        "public_notice_required": "on",
        "public_notice_days": "0",
        "required_documents": award.required_documents,
        "legal_source": award.legal_source,
    }
    refused = client.post(reverse("dossiers:rule_award", args=[award.pk]), form)
    text = refused.content.decode()
    assert refused.status_code == 400 and "số ngày làm việc công khai ít nhất là 1" in text
    assert 'value="Chủ tịch UBND thành phố (sửa)"' in text  # what was typed stays
    award.refresh_from_db()
    assert award.public_notice_required is False and award.vote_threshold_percent != 65  # nothing saved
    assert (
        client.post(
            reverse("dossiers:rule_award", args=[award.pk]), {**form, "public_notice_days": "10"}
        ).status_code
        == 302
    )
