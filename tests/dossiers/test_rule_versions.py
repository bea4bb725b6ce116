"""Rule versions by effective date (issue 17): the version applied to a line is the one in force on the last day
of the achievement year, recorded on the line and kept; versions never overlap; documents cite the version's
legal basis; the Board edits the rules through the rules page, audited with before/after values."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from dossiers import rule_versions, services
from dossiers.forms import LineForm
from dossiers.lifecycle import step_working_days
from dossiers.models import AwardType, DossierState, RuleVersion
from tests.factories import NomineeFactory
from workflows import engine
from workflows.audit import history_for

from .helpers import ready_dossier
from .test_unit_round import unit_council  # noqa: F401 - the unit's own council, a fixture

pytestmark = pytest.mark.django_db


def _dossier(cast, year):
    return services.dossier_create(
        unit=cast.unit, year=year, occasion="annual", title=f"Đề nghị năm {year}", user=cast.officer
    )


def _line(cast, dossier, code="bk-tp"):
    return services.line_add(
        dossier=dossier,
        nominee=NomineeFactory(unit=cast.unit),
        award=rule_versions.awards_for_year(dossier.year).get(code=code),
        achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
        user=cast.officer,
    )


@pytest.mark.parametrize(
    ("year", "code", "basis"),
    [
        (2022, "nd91-2017", "Nghị định số 91/2017/NĐ-CP"),  # the 2023 demo session's dossiers
        (2023, "nd91-2017", "Nghị định số 91/2017/NĐ-CP"),
        (2024, "nd98-2023", "Nghị định số 98/2023/NĐ-CP"),
        (2025, "nd152-2025", "Nghị định số 152/2025/NĐ-CP"),
    ],
)
def test_the_line_is_judged_by_the_version_in_force_at_the_end_of_the_achievement_year(
    cast, year, code, basis
):
    dossier = _dossier(cast, year)
    line = _line(cast, dossier)
    assert line.rule_version.code == code
    assert line.award.rule_version_id == line.rule_version_id
    assert any(
        basis in text for text in rule_versions.citations(rule_versions.line_versions(dossier, [line]))
    )
    # the line form offers the awards of that version only
    offered = set(LineForm(dossier=dossier).fields["award"].queryset)
    assert offered == set(AwardType.objects.filter(rule_version__code=code))


def test_the_2022_dossier_uses_the_decree_91_rules(cast):
    award = rule_versions.awards_for_year(2022).get(code="cstdcs")
    assert all("2003" in rule.legal_source or "91/2017" in rule.legal_source for rule in award.rules.all())
    # under the 2003/2013 law an initiative was required for CSTĐCS; the 2022 law accepts HTXS instead
    assert award.rules.filter(kind="initiative_scope").exists()
    assert not rule_versions.awards_for_year(2025).get(code="cstdcs").rules.filter(kind="initiative_scope")


def test_an_award_of_another_version_is_refused(cast):
    dossier = _dossier(cast, 2022)
    current = rule_versions.awards_for_year(2025).get(code="bk-tp")
    with pytest.raises(ValidationError) as refused:
        services.line_add(
            dossier=dossier,
            nominee=NomineeFactory(unit=cast.unit),
            award=current,
            achievement_report="x",
            user=cast.officer,
        )
    assert "không áp dụng cho thành tích năm 2022" in refused.value.message_dict["award"][0]
    assert not dossier.lines.exists()


def test_the_sla_comes_from_the_version(cast):
    dossier = _dossier(cast, 2024)
    _line(cast, dossier)
    version = RuleVersion.objects.get(code="nd98-2023")
    assert step_working_days(dossier, "accepted") == 20
    rule_versions.version_update(
        version=version,
        user=cast.board_head,
        sla_working_days={**version.sla_working_days, "accepted": 25},
    )
    assert step_working_days(dossier, "accepted") == 25


def test_an_edit_leaves_a_submitted_dossier_untouched(cast):
    dossier = ready_dossier(cast)  # achievements of 2023: NĐ 91/2017
    engine.perform(dossier, "submit", user=cast.head)
    line = dossier.lines.get()
    version, award = line.rule_version, line.award
    threshold = award.vote_threshold_percent
    with pytest.raises(ValidationError) as refused:
        rule_versions.award_update(award=award, user=cast.board_head, vote_threshold_percent=75)
    assert "tạo phiên bản mới" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        rule_versions.version_update(version=version, user=cast.board_head, public_notice_days=7)
    award.refresh_from_db()
    assert award.vote_threshold_percent == threshold
    # the Board copies the version and edits the copy instead: the submitted dossier keeps its version
    copy = rule_versions.version_copy(
        source=version, code="nd91-sua-doi", name="NĐ 91 (sửa)", user=cast.board_head
    )
    copied = copy.awards.get(code=award.code)
    rule_versions.award_update(award=copied, user=cast.board_head, vote_threshold_percent=75)
    line.refresh_from_db()
    assert (line.rule_version_id, line.award_id) == (version.pk, award.pk)
    assert line.award.vote_threshold_percent == threshold
    assert dossier.lines.get().award.threshold().percent == threshold
    assert copy.awards.count() == version.awards.count()
    assert sum(a.rules.count() for a in copy.awards.all()) == sum(
        a.rules.count() for a in version.awards.all()
    )
    # closing the version in use stays possible (its end date only)
    rule_versions.version_update(version=version, user=cast.board_head, effective_to=date(2023, 12, 31))


def test_overlapping_versions_are_refused(cast):
    current = RuleVersion.objects.get(code="nd152-2025")
    copy = rule_versions.version_copy(
        source=current, code="nd152-2026", name="Bản 2026", user=cast.board_head
    )
    with pytest.raises(ValidationError) as refused:
        rule_versions.version_update(version=copy, user=cast.board_head, effective_from=date(2026, 1, 1))
    assert "chồng lên phiên bản «Luật TĐKT 06/2022/QH15 và Nghị định 152/2025/NĐ-CP»" in str(refused.value)
    copy.refresh_from_db()
    assert copy.effective_from is None and not copy.awards.exclude(effective_from=None).exists()
    # close the current one first, then the new one takes over: its awards carry its dates
    rule_versions.version_update(version=current, user=cast.board_head, effective_to=date(2025, 12, 31))
    rule_versions.version_update(version=copy, user=cast.board_head, effective_from=date(2026, 1, 1))
    assert rule_versions.version_for_year(2026) == copy
    assert set(copy.awards.values_list("effective_from", flat=True)) == {date(2026, 1, 1)}
    # an award's own overlap is refused by the model's check too (SQLite has no exclusion constraint)
    twin = AwardType(
        code="bk-tp",
        name="Trùng",
        level="city",
        recipient_kind="any",
        deciding_authority="x",
        route="city_decides",
        effective_from=date(2026, 6, 1),
    )
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "đã có một phiên bản khác" in str(refused.value)


@pytest.mark.postgres
def test_postgresql_refuses_overlaps_by_constraint():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the exclusion constraints exist there only")
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersion.objects.create(code="chong", name="Chồng", effective_from=date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardType.objects.create(
            code="bk-tp",
            name="Trùng",
            level="city",
            recipient_kind="any",
            deciding_authority="x",
            route="city_decides",
            effective_from=date(2024, 6, 1),
            effective_to=date(2024, 6, 30),
        )
    # drafts (no start) never overlap
    RuleVersion.objects.create(code="du-thao", name="Dự thảo")


def test_documents_cite_the_basis_of_the_version_they_apply(cast, client):
    from dossiers.exports import _document_context

    old = _dossier(cast, 2022)
    old_line = _line(cast, old)
    new = _dossier(cast, 2025)
    new_line = _line(cast, new)
    old_basis = _document_context(old, [old_line])["basis"]
    new_basis = _document_context(new, [new_line])["basis"]
    assert any("91/2017/NĐ-CP ngày 31 tháng 7 năm 2017" in text for text in old_basis)
    assert not any("152/2025" in text for text in old_basis)
    assert (
        "Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ quy định về phân cấp, phân quyền và "
        "quy định chi tiết Luật Thi đua, khen thưởng" in new_basis
    )
    assert "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022" in new_basis
    from django.template.loader import render_to_string

    for template in ("dossiers/decision_draft.html", "dossiers/proposal_draft.html"):
        html = render_to_string(
            template, {**_document_context(old, [old_line]), "awards": [], "addressees": []}
        )
        assert "Căn cứ Nghị định số 91/2017/NĐ-CP" in html and "152/2025" not in html


def test_the_board_creates_and_edits_a_version_on_the_rules_page_audited(cast, client):
    source = RuleVersion.objects.get(code="nd152-2025")
    client.force_login(cast.officer)
    assert client.get(reverse("dossiers:rules")).status_code == 200
    refused = client.post(reverse("dossiers:rule_version_copy", args=[source.pk]), {"code": "x", "name": "x"})
    assert refused.status_code == 403 and not RuleVersion.objects.filter(code="x").exists()
    client.force_login(cast.board_head)
    page = client.get(reverse("dossiers:rule_version", args=[source.pk]))
    assert "CHƯA được xác nhận" in page.content.decode()  # the assumed thresholds are shown
    response = client.post(
        reverse("dossiers:rule_version_copy", args=[source.pk]), {"code": "nd152-2026", "name": "Bản 2026"}
    )
    copy = RuleVersion.objects.get(code="nd152-2026")
    assert response.status_code == 302 and copy.awards.count() == source.awards.count()
    award = copy.awards.get(code="cstd-tp")
    form = {
        "deciding_authority": award.deciding_authority,
        "vote_threshold_percent": "80",
        "vote_threshold_base": award.vote_threshold_base,
        "secret_ballot": "on",
        "public_notice_days": "10",
        "required_documents": award.required_documents,
        "legal_source": award.legal_source,
    }
    assert client.post(reverse("dossiers:rule_award", args=[award.pk]), form).status_code == 302
    award.refresh_from_db()
    assert award.vote_threshold_percent == 80
    [copied, edited] = history_for(copy)
    assert copied.verb == "rule_version_copy" and copied.data["copied_from"] == "nd152-2025"
    assert edited.verb == "rule_award_update" and edited.data["changes"]["vote_threshold_percent"] == [
        "90.00",
        "80.00",
    ]
    page = client.get(reverse("dossiers:rule_version", args=[copy.pk])).content.decode()
    assert "Sửa danh hiệu, hình thức của phiên bản quy định" in page and "80.00" in page
    assert "Tỷ lệ phiếu đồng ý (%): 90.00 → 80.00" in page  # the field by its Vietnamese name
    # an overlapping date is refused next to the field, the input kept, nothing changed
    version_form = {
        "name": "Bản 2026",
        "effective_from": "01/01/2026",
        "quorum_numerator": "2",
        "quorum_denominator": "3",
        "public_notice_days": "10",
        "legal_basis": "Nghị định | 152/2025/NĐ-CP | 14/06/2025 | x",
        "reward_multipliers": "",
        "assumptions": "",
        "sla_accepted": "25",
    }
    response = client.post(reverse("dossiers:rule_version", args=[copy.pk]), version_form)
    assert response.status_code == 400 and "chồng lên" in response.content.decode()
    assert 'value="01/01/2026"' in response.content.decode()
    copy.refresh_from_db()
    assert copy.effective_from is None
    # a draft is the Board's: a unit reads only the versions with their dates
    assert "Bản 2026" in client.get(reverse("dossiers:rules")).content.decode()
    client.force_login(cast.officer)
    assert "Bản 2026" not in client.get(reverse("dossiers:rules")).content.decode()
    assert client.get(reverse("dossiers:rule_version", args=[copy.pk])).status_code == 404
    listed = client.get("/api/v1/rule-versions/").json()
    assert "nd152-2026" not in [row["code"] for row in listed.get("results", listed)]
    assert client.get(f"/api/v1/rule-versions/{copy.pk}/").status_code == 404


def test_the_api_lists_versions_and_lines_name_theirs(cast, client):
    client.force_login(cast.officer)
    answer = client.get("/api/v1/rule-versions/").json()
    rows = answer.get("results", answer)
    assert [row["code"] for row in rows] == ["nd91-2017", "nd98-2023", "nd152-2025"]
    assert any("98/2023/NĐ-CP" in text for text in rows[1]["citations"])

    def codes(params):
        answer = client.get("/api/v1/rule-versions/", params).json()
        return [row["code"] for row in answer.get("results", answer)]

    # the 2023 plan's first council session (February 2023) judges 2022 achievements: Decree 91
    assert codes({"year": 2022}) == codes({"effective": "2023-02-10"}) == ["nd91-2017"]
    assert codes({"effective": "2024-06-01"}) == ["nd98-2023"] and codes({"year": 2025}) == ["nd152-2025"]
    assert client.get("/api/v1/rule-versions/", {"year": "abc"}).status_code == 400
    line = _line(cast, _dossier(cast, 2024))
    assert client.get(f"/api/v1/dossier-lines/{line.pk}/").json()["rule_version"] == "nd98-2023"
    assert DossierState.DRAFT == line.dossier.state


def test_the_dossier_page_and_api_show_each_lines_version_and_its_legal_basis(cast, client):
    old = _dossier(cast, 2022)
    _line(cast, old)
    new = _dossier(cast, 2025)
    new_line = _line(cast, new)
    client.force_login(cast.officer)
    page = client.get(reverse("dossiers:detail", args=[old.pk])).content.decode()
    version = RuleVersion.objects.get(code="nd91-2017")
    assert f'href="{reverse("dossiers:rule_version", args=[version.pk])}">{version.name}</a>' in page
    assert "Căn cứ Nghị định số 91/2017/NĐ-CP" in page and "152/2025" not in page
    answer = client.get(f"/api/v1/dossiers/{new.pk}/").json()
    [line] = answer["lines"]
    assert line["id"] == new_line.pk and line["rule_version"] == "nd152-2025"
    assert line["rule_version_name"] == RuleVersion.objects.get(code="nd152-2025").name
    assert any(text.startswith("Nghị định số 152/2025/NĐ-CP") for text in line["legal_basis"])
    listed = client.get(f"/api/v1/dossier-lines/{new_line.pk}/").json()
    assert listed["legal_basis"] == line["legal_basis"]


def test_the_council_minutes_cite_the_legal_basis_of_the_version_its_items_apply(cast, client):
    from django.template.loader import render_to_string

    from councils import documents

    from .helpers import council_session, walk_to

    dossier = ready_dossier(cast)  # 2023 achievements: Decree 91/2017 with the 2003/2013 law
    walk_to(cast, dossier, "on_agenda")
    session = council_session(cast)
    [item] = session.items.all()
    assert any(act.startswith("Nghị định số 91/2017/NĐ-CP") for act in item.legal_basis)
    html = render_to_string("councils/pdf/minutes.html", documents.context(session))
    assert "Căn cứ Nghị định số 91/2017/NĐ-CP" in html and "152/2025" not in html
    client.force_login(cast.board)
    assert client.get(f"/api/v1/agenda-items/{item.pk}/").json()["legal_basis"] == item.legal_basis
    page = client.get(reverse("councils:session_detail", args=[session.pk])).content.decode()
    assert "Xét theo: Luật Thi đua, khen thưởng số 15/2003/QH11" in page


def test_the_admin_does_not_edit_an_award_or_rule_of_a_locked_version(cast, admin_client):
    from dossiers.models import EligibilityRule

    from ..security.test_config_audit import change_form

    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head)  # now its version (Decree 91) is in use
    award = dossier.lines.get().award
    version = award.rule_version
    url = f"/admin/dossiers/awardtype/{award.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "đã áp dụng cho hồ sơ đã trình" in page and 'name="_save"' not in page
    rule = award.rules.first()
    before = (award.vote_threshold_percent, rule.description)
    posted = {
        "name": award.name,
        "vote_threshold_percent": "10",
        "rules-0-description": "Khác",
        "_save": "Lưu",
    }
    assert admin_client.post(url, posted).status_code == 403
    award.refresh_from_db()
    rule.refresh_from_db()
    assert (award.vote_threshold_percent, rule.description) == before
    # a new award is not added to the locked version: refused next to the field, the input kept
    add = change_form(admin_client, "/admin/dossiers/awardtype/add/")
    add.update({"code": "moi", "name": "Danh hiệu mới", "rule_version": str(version.pk)})
    response = admin_client.post("/admin/dossiers/awardtype/add/", add)
    assert response.status_code == 200 and "đã áp dụng cho hồ sơ đã trình" in response.content.decode()
    assert 'value="Danh hiệu mới"' in response.content.decode()
    assert not AwardType.objects.filter(code="moi").exists()
    # the services refuse too (whatever calls them)
    with pytest.raises(ValidationError):
        services.award_type_update(award=award, actor=audit_actor(cast.board_head), vote_threshold_percent=10)
    with pytest.raises(ValidationError):
        services.eligibility_rule_delete(rule=rule, actor=audit_actor(cast.board_head))
    assert EligibilityRule.objects.filter(pk=rule.pk).exists()
    # another version's award is still edited there
    other = AwardType.objects.filter(rule_version__code="nd152-2025").first()
    assert (
        'name="_save"' in admin_client.get(f"/admin/dossiers/awardtype/{other.pk}/change/").content.decode()
    )


def audit_actor(user):
    from workflows.audit import Actor

    return Actor(user)


def test_the_demo_dossiers_and_history_carry_the_versions_of_their_years(person):
    from django.core.management import call_command

    from dossiers.models import AwardRecord, DossierNominee
    from tests.factories import UnitFactory
    from workflows.models import Role

    unit = UnitFactory(code="ninh-kieu", name="Ủy ban nhân dân quận Ninh Kiều", short_name="Quận Ninh Kiều")
    person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    person("unit.head", Role.UNIT_HEAD, unit=unit)
    person("board.officer", Role.BOARD_OFFICER)
    person("board.head", Role.BOARD_HEAD)
    call_command("seed_dossiers", verbosity=0)
    call_command("seed_dossiers", verbosity=0)  # idempotent
    lines = DossierNominee.objects.select_related("award", "rule_version", "dossier")
    assert lines.count() == 6
    for line in lines:  # 2023 achievements: Decree 91/2017 (in force until 31/12/2023)
        assert line.rule_version.code == "nd91-2017" and line.award.rule_version_id == line.rule_version_id
    records = AwardRecord.objects.select_related("award")
    assert records.exists()
    for record in records:  # titles of 2021–2023 are the awards of the rules of their year
        assert record.award.rule_version_id == rule_versions.version_for_year(record.year).pk


def test_the_rules_pages_show_a_locked_version_read_only_and_say_which_is_in_force(cast, client):
    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head)
    award = dossier.lines.get().award
    version = award.rule_version
    client.force_login(cast.board_head)
    listing = client.get(reverse("dossiers:rules")).content.decode()
    assert listing.count("Đang có hiệu lực") == 1 and "Đã áp dụng cho hồ sơ đã trình" in listing
    page = client.get(reverse("dossiers:rule_version", args=[version.pk])).content.decode()
    assert 'name="quorum_numerator" value="2" required disabled' in page.replace('min="0" ', "")
    assert 'name="effective_to"' in page and "Báo cáo thành tích" in page  # documents by their names
    assert "submission_letter" not in page.split("<form")[0]
    # a locked field posted anyway is ignored; the end date still changes, audited
    form = {
        "name": version.name,
        "quorum_numerator": "1",
        "quorum_denominator": "2",
        "public_notice_days": "3",
        "legal_basis": "[]",
        "effective_from": "15/09/2017",
        "effective_to": "30/12/2023",
    }
    assert client.post(reverse("dossiers:rule_version", args=[version.pk]), form).status_code == 302
    version.refresh_from_db()
    assert (version.quorum_numerator, version.public_notice_days) == (2, 10)
    assert version.effective_to == date(2023, 12, 30) and version.legal_basis
    # the award of a locked version is shown, not edited: a POST is refused and changes nothing
    url = reverse("dossiers:rule_award", args=[award.pk])
    assert "không sửa được nữa" in client.get(url).content.decode()
    answer = client.post(url, {"deciding_authority": "Khác", "vote_threshold_percent": "10"})
    assert answer.status_code == 400 and "không sửa được nữa" in answer.content.decode()
    award.refresh_from_db()
    assert award.deciding_authority != "Khác"


def test_a_unit_councils_items_keep_the_legal_basis_of_their_awards_version(cast, request):
    from dossiers import unit_round as rounds
    from workflows.audit import Actor

    from .test_unit_round import a_session, new_round, person_row, workbook

    council = request.getfixturevalue("unit_council")
    unit_round = new_round(cast)  # achievements of 2025: Decree 152/2025
    rows = rounds.read_rows(workbook([person_row(1), person_row(2)]))
    rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    session = a_session(council, Actor(user=council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    for item in session.items.all():
        assert any(act.startswith("Nghị định số 152/2025/NĐ-CP") for act in item.legal_basis)


def test_the_version_form_reads_acts_multipliers_and_assumptions_one_a_line_dates_day_first(cast, client):
    version = RuleVersion.objects.get(code="nd98-2023")
    url = reverse("dossiers:rule_version", args=[version.pk])
    client.force_login(cast.board_head)
    page = client.get(url).content.decode()
    # the stored acts, one a line, their dates day-first
    assert "Nghị định | 98/2023/NĐ-CP | 31/12/2023 | " in page and "cstdcs = 1.0" in page
    from html import unescape
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.name = {}, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if (
                tag == "input" and attrs.get("type") == "checkbox"
            ):  # the ticked boxes, as a browser posts them
                if "checked" in attrs:
                    self.data.setdefault(attrs["name"], []).append(attrs.get("value") or "")
            elif tag == "input" and attrs.get("name") and attrs.get("type") != "hidden":
                self.data[attrs["name"]] = attrs.get("value") or ""
            self.name = attrs.get("name") if tag == "textarea" else None

        def handle_data(self, text):
            if self.name:
                self.data[self.name] = self.data.get(self.name, "") + text

    parser = Fields()
    parser.feed(page.split('action="/ho-so/quy-dinh/')[0])
    form = {
        key: [unescape(item) for item in value] if isinstance(value, list) else unescape(value).strip("\n")
        for key, value in parser.data.items()
        if key != "code"
    }
    # saved as it is shown: nothing changes, nothing is recorded
    assert client.post(url, form).status_code == 302
    assert list(history_for(version)) == []
    # a bad date and a bad multiplier are refused next to their fields, the typed text kept
    bad = {
        **form,
        "legal_basis": form["legal_basis"] + "\nThông tư | 99/2026/TT-BNV | 31/02/2026 | thử",
        "reward_multipliers": "cstdcs = một",
    }
    answer = client.post(url, bad)
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "ngày «31/02/2026» không đúng dạng ngày/tháng/năm" in body and "99/2026/TT-BNV" in body
    assert "Dòng 1: ghi «mã danh hiệu = hệ số»" in body and "cstdcs = một" in body
    version.refresh_from_db()
    assert len(version.legal_basis) == 3 and list(history_for(version)) == []
    # a good line is stored as the version's data, ISO date, and cited
    good = {
        **form,
        "legal_basis": form["legal_basis"] + "\nThông tư | 99/2026/TT-BNV | 28/02/2026 | thử",
        "reward_multipliers": "cstdcs = 1,2",
    }
    assert client.post(url, good).status_code == 302
    version.refresh_from_db()
    assert version.legal_basis[-1] == {
        "kind": "Thông tư",
        "number": "99/2026/TT-BNV",
        "date": "2026-02-28",
        "title": "thử",
    }
    assert version.reward_multipliers == {"cstdcs": "1.2"}
    assert "Thông tư số 99/2026/TT-BNV ngày 28 tháng 02 năm 2026 thử" in rule_versions.citations([version])


def test_the_demo_session_cites_the_rules_of_the_year_it_considers():
    from django.core.management import call_command

    from councils.models import Session
    from demo.management.commands.seed_councils import _YEAR, DEMO_TITLE
    from organisations.models import CouncilKind
    from tests.factories import CouncilTermFactory

    CouncilTermFactory(council__kind=CouncilKind.EMULATION, starts_on=date(2021, 1, 1))
    call_command("seed_councils", verbosity=0)
    session = Session.objects.get(title=DEMO_TITLE)
    expected = rule_versions.citations([rule_versions.version_for_year(_YEAR)])
    assert expected and all(item.legal_basis == expected for item in session.items.all())


def test_the_board_edits_an_eligibility_rule_of_a_draft_version_keeping_its_shape_audited(cast, client):
    source = RuleVersion.objects.get(code="nd152-2025")
    copy = rule_versions.version_copy(source=source, code="nd152-2027", name="Bản 2027", user=cast.board_head)
    award = copy.awards.get(code="cstd-tp")
    rule = award.rules.get(kind="consecutive_titles")
    url = reverse("dossiers:rule_award", args=[award.pk])
    client.force_login(cast.board)
    page = client.get(url).content.decode()
    assert f'id="dieu-kien-{rule.pk}"' in page
    form = {
        "rule": rule.pk,
        f"rule-{rule.pk}-description": rule.description,
        f"rule-{rule.pk}-severity": rule.severity,
        f"rule-{rule.pk}-legal_source": rule.legal_source,
    }
    # a renamed parameter is refused next to the field, the typed text kept, nothing changed
    bad = client.post(url, {**form, f"rule-{rule.pk}-parameters": '{"award": "cstdcs", "nam": 4}'})
    assert bad.status_code == 400 and "giữ nguyên tên và cấu trúc" in bad.content.decode()
    assert "&quot;nam&quot;: 4" in bad.content.decode()
    rule.refresh_from_db()
    assert rule.parameters == {"award": "cstdcs", "years": 3}
    # the figure changes, audited on the version with before/after
    good = client.post(url, {**form, f"rule-{rule.pk}-parameters": '{"award": "cstdcs", "years": 4}'})
    assert good.status_code == 302
    rule.refresh_from_db()
    assert rule.parameters == {"award": "cstdcs", "years": 4}
    event = list(history_for(copy))[-1]
    assert event.verb == "rule_eligibility_update" and event.data["changes"]["parameters"] == [
        {"award": "cstdcs", "years": 3},
        {"award": "cstdcs", "years": 4},
    ]
    # the source version, which other dossiers may apply, is untouched
    assert source.awards.get(code="cstd-tp").rules.get(kind="consecutive_titles").parameters["years"] == 3
    # a rule of a version in use is refused by the service
    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head)
    locked = dossier.lines.get().award.rules.first()
    with pytest.raises(ValidationError):
        rule_versions.eligibility_rule_update(rule=locked, user=cast.board_head, description="Khác")
