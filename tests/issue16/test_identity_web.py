"""Identity (issue 16, DOMAIN.md §2): on the dossier page's «add a line» form, a new person whose CCCD is
already recorded in the city is refused next to the field, naming the recorded person (found by CCCD, not by
name); an invalid CCCD is refused with the rule; the form keeps what was typed and nothing is written."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Nominee
from tests.dossiers.helpers import YEAR, award
from tests.factories import NomineeFactory

pytestmark = pytest.mark.django_db


def _draft(cast):
    return services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị khen thưởng", user=cast.officer
    )


def _post(client, dossier, cccd, name="Lê Văn Mới"):
    return client.post(
        reverse("dossiers:detail", args=[dossier.pk]),
        {
            "add_line": "1",
            "line-kind": "individual",
            "line-full_name": name,
            "line-cccd": cccd,
            "line-date_of_birth": "04/03/1985",
            "line-award": award("bk-tp").pk,
            "line-achievement_report": "Báo cáo thành tích soạn kỹ cho người mới",
        },
    )


def test_a_duplicate_cccd_is_refused_on_the_web_form_naming_the_recorded_person(cast, client):
    twin = NomineeFactory(unit=cast.other_unit, full_name="Trần Thị Đã Có", cccd="079123456789")
    dossier = _draft(cast)
    client.force_login(cast.officer)
    response = _post(client, dossier, "079 123 456 789", name="Một Tên Khác Hẳn")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Trần Thị Đã Có" in body and reverse("dossiers:nominee", args=[twin.pk]) in body
    assert "Một Tên Khác Hẳn" in body and "Báo cáo thành tích soạn kỹ cho người mới" in body
    assert Nominee.objects.filter(cccd="079123456789").count() == 1
    assert not Nominee.objects.filter(full_name="Một Tên Khác Hẳn").exists()
    assert not dossier.lines.exists()


def test_an_invalid_cccd_is_refused_and_a_valid_new_one_is_recorded(cast, client):
    dossier = _draft(cast)
    client.force_login(cast.officer)
    response = _post(client, dossier, "12345")
    assert response.status_code == 400
    body = response.content.decode()
    assert "12 chữ số" in body and 'value="12345"' in body
    assert not dossier.lines.exists() and not Nominee.objects.filter(full_name="Lê Văn Mới").exists()
    # the same name as another person is no duplicate: people are told apart by their CCCD
    NomineeFactory(unit=cast.unit, full_name="Lê Văn Mới", cccd="079123456780")
    assert _post(client, dossier, "079123456781").status_code == 302
    created = Nominee.objects.get(cccd="079123456781")
    assert created.full_name == "Lê Văn Mới" and dossier.lines.get().nominee == created
