"""A client generated from the OpenAPI schema (openapi-python-client) walks a dossier from draft to decision.

What a third-party integrator (a provincial portal, a unit's own system) would do: take /api/schema/, generate a
typed Python client, and use only that. The schema is generated in-process (the one /api/schema/ serves), the
client is generated into a temporary folder by the openapi-python-client command (offline: it reads the file it
is given), imported, and its typed functions are called for every step. Its requests go through the whole
Django stack (WSGI handler, middleware, token authentication) by httpx's WSGI transport instead of a socket: a
live server would need a transactional test, whose flush the audit triggers refuse on SQLite.

The walk: the unit's officer creates a nominee, a dossier and a line, uploads the required PDFs and downloads
one back; the unit head submits; the Board returns it with a reason and items; the unit reads them, uploads a
new version and resubmits; the Board accepts, proposes, signs off and schedules it to a council session that
the secretary convenes; the members attend and vote; the secretary closes the voting, the minutes are drafted
and signed and the resolution issued; the result is read; the Board posts it; the chairman decides; the unit
reads the final state and the history; the auditor checks the audit chain and reads the result.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import date

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator

from dossiers.models import Dossier, DossierState, NomineeState
from dossiers.services import DOSSIER_LEVEL_KINDS
from tests.councils.conftest import council  # noqa: F401  (a council term with its members)
from tests.dossiers.conftest import cast, media_root  # noqa: F401  (the dossier's people, uploads in tmp)
from tests.dossiers.helpers import YEAR, end_posting
from tests.factories import AwardRecordFactory
from tests.pdfs import pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PACKAGE = "tdkt_generated_client"
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory
#: the generator's command line (the dev extra installs it into the same environment as the tests)
GENERATOR = [sys.executable, "-m", "openapi_python_client"]
#: The generator's settings an integrator would choose: no formatter run on the output (ruff need not be on
#: PATH), and the binary downloads read as files (the generator knows only application/octet-stream as such).
CONFIG = {
    "post_hooks": [],
    "package_name_override": PACKAGE,
    "content_type_overrides": {
        "application/pdf": "application/octet-stream",
        "application/zip": "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "application/octet-stream",
    },
}


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema /api/schema/ serves, as JSON."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


@pytest.fixture(scope="module")
def generated(tmp_path_factory, schema):
    """The generated client package, imported (its api and models modules are read by attribute)."""
    folder = tmp_path_factory.mktemp("generated-client")
    (folder / "openapi.json").write_text(json.dumps(schema, default=str), encoding="utf-8")
    (folder / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    completed = subprocess.run(
        [
            *GENERATOR,
            "generate",
            "--path",
            str(folder / "openapi.json"),
            "--config",
            str(folder / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # every operation is in the client: a warning names one the generator had to leave out
    assert "Warning" not in completed.stdout, completed.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def wsgi_transport():
    """httpx talking to Django's WSGI handler in this thread and this test's transaction (as Django's test
    client does, the handler must not close the connection at the end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield httpx.WSGITransport(app=WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Api:
    """The generated package's modules by name: api.call("dossiers", "dossiers_create", client, …)."""

    def __init__(self, package, transport):
        self.package = package
        self.transport = transport
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.types = importlib.import_module(f"{PACKAGE}.types")

    def call(self, tag: str, operation: str, *args, expect: int = 200, **kwargs):
        module = importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")
        response = module.sync_detailed(*args, **kwargs)
        assert response.status_code == expect, (
            operation,
            response.status_code,
            response.content[:2000].decode(errors="replace"),
        )
        return response.parsed

    def anonymous(self):
        return self.package.Client(base_url="http://testserver", httpx_args={"transport": self.transport})

    def login(self, user):
        """A key from POST /auth/token/ (username and password), then a client sending it."""
        token = self.call(
            "auth",
            "auth_token_create",
            client=self.anonymous(),
            body=self.models.TokenRequestRequest(username=user.username, password=PASSWORD, name="portal"),
        )
        return self.package.AuthenticatedClient(
            base_url="http://testserver",
            token=token.token,
            prefix="Token",
            headers={"Accept-Language": "vi"},
            httpx_args={"transport": self.transport},
        )


def test_every_operation_of_the_schema_is_a_function_of_the_generated_client(generated, schema):
    """The generator left nothing out (the fixture refuses its warnings) and every module it wrote imports: one
    function per operation of the schema, each under its tag, with the operation id as its name."""
    operations = {
        (operation["tags"][0].replace("-", "_"), operation["operationId"])
        for path in schema["paths"].values()
        for operation in path.values()
    }
    for tag, operation_id in sorted(operations):
        module = importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")
        assert callable(module.sync_detailed), operation_id
    for module in pkgutil.walk_packages(generated.__path__, f"{PACKAGE}."):
        importlib.import_module(module.name)


def _by_name(checks) -> dict:
    return {check.name: check for check in checks}


def test_a_generated_client_walks_a_dossier_from_draft_to_decision(
    generated,
    wsgi_transport,
    cast,  # noqa: F811
    council,  # noqa: F811
):
    api = Api(generated, wsgi_transport)
    models = api.models
    c = council(size=4)
    officer, head, board = api.login(cast.officer), api.login(cast.head), api.login(cast.board)
    board_head, chairman, auditor = (
        api.login(cast.board_head),
        api.login(cast.chairman),
        api.login(cast.auditor),
    )
    secretary, chair = api.login(c.secretary), api.login(c.chair)
    voters = [chair, *(api.login(member) for member in c.voters[1:])]

    # the unit: a nominee (whose earlier titles the city already holds), the award from the catalogue
    nominee = api.call(
        "nominees",
        "nominees_create",
        client=officer,
        body=models.NomineeRequest(
            kind=models.NomineeKindEnum.INDIVIDUAL,
            unit=cast.unit.pk,
            full_name="Trần Thị Mai",
            birth_year=1982,
            gender=models.GenderEnum.FEMALE,
            position="Phó Trưởng phòng",
        ),
        expect=201,
    )
    # the catalogue in force for the achievements of YEAR
    awards = api.call("awards", "awards_list", client=officer, effective=date(YEAR, 12, 31), page_size=100)
    award = next(a for a in awards.results if a.code == "bk-tp")
    grassroots = next(a for a in awards.results if a.code == "cstdcs")
    for year in (YEAR - 1, YEAR):
        AwardRecordFactory(nominee_id=nominee.id, award_id=grassroots.id, year=year)

    dossier = api.call(
        "dossiers",
        "dossiers_create",
        client=officer,
        body=models.DossierRequest(
            unit=cast.unit.pk, year=YEAR, occasion=models.OccasionEnum.ANNUAL, title="Đề nghị Bằng khen 2023"
        ),
        expect=201,
    )
    assert dossier.state == DossierState.DRAFT
    line = api.call(
        "dossier_lines",
        "dossier_lines_create",
        client=officer,
        body=models.LineRequest(
            dossier=dossier.id,
            nominee=nominee.id,
            award=award.id,
            achievement_report="Hoàn thành xuất sắc nhiệm vụ năm 2023.",
        ),
        expect=201,
    )

    # the required PDFs, and one downloaded back
    uploaded = {}
    for kind in award.required_documents:
        body = pdf_bytes(f"{kind} 2023".encode())
        document = api.call(
            "dossiers",
            "dossiers_documents_create",
            dossier.id,
            client=officer,
            body=models.DocumentUploadRequest(
                kind=models.DocumentKindEnum(kind),
                file=api.types.File(payload=body, file_name=f"{kind}.pdf", mime_type="application/pdf"),
                line=api.types.UNSET if kind in DOSSIER_LEVEL_KINDS else line.id,
            ),
            expect=201,
        )
        uploaded[document.id] = body
    read = api.call("dossiers", "dossiers_retrieve", dossier.id, client=officer)
    assert {d.id for d in read.documents} == set(uploaded)
    first = read.documents[0]
    downloaded = api.call("dossiers", "dossiers_documents_retrieve", dossier.id, first.id, client=officer)
    assert downloaded.payload.read() == uploaded[first.id]
    other_unit = api.login(cast.officer2)  # another unit knows neither the dossier nor its documents
    api.call("dossiers", "dossiers_documents_retrieve", dossier.id, first.id, client=other_unit, expect=404)

    # the unit head submits (the officer may not: the listing says why)
    checks = _by_name(api.call("dossiers", "dossiers_transitions_list", dossier.id, client=officer))
    assert checks["submit"].allowed is False and checks["submit"].reason
    assert _by_name(api.call("dossiers", "dossiers_transitions_list", dossier.id, client=head))[
        "submit"
    ].allowed
    submitted = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "submit",
        client=head,
        body=models.DossiersTransitionsCreateSubmit(comment="Kính trình Ban Thi đua - Khen thưởng"),
    )
    assert submitted.state == DossierState.SUBMITTED

    # the Board returns it; the unit reads why, supplements and resubmits
    returned = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "return_for_supplement",
        client=board,
        body=models.DossiersTransitionsCreateReturnForSupplement(
            comment="Báo cáo thành tích chưa có xác nhận của Thủ trưởng",
            items="Báo cáo thành tích có chữ ký của Thủ trưởng\nBiên bản họp Hội đồng đơn vị",
            working_days=5,
        ),
    )
    assert returned.state == DossierState.RETURNED
    waiting = api.call(
        "dossiers", "dossiers_list", client=officer, state=models.DossiersListState.RETURNED, year=YEAR
    )
    assert [row.id for row in waiting.results] == [dossier.id]  # the unit follows its dossiers' states
    read = api.call("dossiers", "dossiers_retrieve", dossier.id, client=officer)
    assert read.state == DossierState.RETURNED
    [round_] = read.returns
    assert round_.reason == "Báo cáo thành tích chưa có xác nhận của Thủ trưởng"
    assert round_.items == ["Báo cáo thành tích có chữ ký của Thủ trưởng", "Biên bản họp Hội đồng đơn vị"]
    assert round_.deadline is not None
    api.call(
        "dossiers",
        "dossiers_documents_create",
        dossier.id,
        client=officer,
        body=models.DocumentUploadRequest(
            kind=models.DocumentKindEnum.ACHIEVEMENT_REPORT,
            file=api.types.File(
                payload=pdf_bytes(b"signed"), file_name="bao-cao.pdf", mime_type="application/pdf"
            ),
            line=line.id,
        ),
        expect=201,
    )
    resubmitted = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "resubmit",
        client=head,
        body=models.DossiersTransitionsCreateResubmit(comment="Đã bổ sung"),
    )
    assert resubmitted.state == DossierState.SUBMITTED

    # the Board accepts, gives its opinion on the line, the Board head signs off
    api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "accept",
        client=board,
        body=models.DossiersTransitionsCreateAccept(),
    )
    proposed = api.call(
        "dossier_lines",
        "dossier_lines_transitions_create",
        line.id,
        "propose",
        client=board,
        body=models.LineTransitionInputRequest(comment="Đủ tiêu chuẩn Bằng khen"),
    )
    assert proposed.state == NomineeState.PROPOSED
    appraised = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "sign_off",
        client=board_head,
        body=models.DossiersTransitionsCreateSignOff(),
    )
    assert appraised.state == DossierState.APPRAISED

    # a council session: the Board creates it, the secretary convenes it, the Board schedules the dossier
    meeting = date.today().replace(year=date.today().year + 1, month=1, day=20)
    session = api.call(
        "sessions",
        "sessions_create",
        client=board,
        body=models.SessionRequest(
            council_term=c.term.pk, title="Phiên họp xét khen thưởng năm 2023", planned_on=meeting
        ),
        expect=201,
    )
    api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "convene",
        client=secretary,
        body=models.SessionsTransitionsCreateConvene(planned_on=meeting, place="Hội trường UBND thành phố"),
    )
    scheduled = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "schedule",
        client=board,
        body=models.DossiersTransitionsCreateSchedule(session=session.id),
    )
    assert scheduled.state == DossierState.ON_AGENDA
    [item] = api.call("sessions", "sessions_agenda_list", session.id, client=secretary)

    # the meeting: attendance, opening, the members' secret ballots, the count
    api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "lock_agenda",
        client=secretary,
        body=models.SessionsTransitionsCreateLockAgenda(),
    )
    for member in c.voters:
        api.call(
            "sessions",
            "sessions_attendance_create",
            session.id,
            client=secretary,
            body=models.AttendanceInputRequest(member=member.pk, status=models.AttendanceStatusEnum.PRESENT),
        )
    api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "open",
        client=chair,
        body=models.SessionsTransitionsCreateOpen(),
    )
    api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "open_voting",
        client=secretary,
        body=models.SessionsTransitionsCreateOpenVoting(),
    )
    for voter in voters:
        api.call(
            "sessions",
            "sessions_ballots_create",
            session.id,
            client=voter,
            body=models.BallotInputRequest(item=item.id, choice=models.ChoiceEnum.AGREE),
            expect=201,
        )
    turnout = api.call("sessions", "sessions_ballots_retrieve", session.id, client=secretary)
    assert (turnout.items[0].received, turnout.items[0].eligible) == (4, 4)
    api.call("sessions", "sessions_close_create", session.id, client=secretary)
    api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "draft_minutes",
        client=secretary,
        body=models.SessionsTransitionsCreateDraftMinutes(minutes_number="02/BB-HĐTĐKT"),
    )
    api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "sign_minutes",
        client=chair,
        body=models.SessionsTransitionsCreateSignMinutes(),
    )
    issued = api.call(
        "sessions",
        "sessions_transitions_create",
        session.id,
        "issue_resolution",
        client=chair,
        body=models.SessionsTransitionsCreateIssueResolution(
            resolution_number="03/NQ-HĐTĐKT", resolution_issued_on=meeting
        ),
    )
    assert issued.state == "resolution_issued"

    # the result, as a member and as the unit read it
    [result] = api.call("sessions", "sessions_ballots_retrieve", session.id, client=voters[1]).items
    assert result.passed is True and "4" in result.result
    read = api.call("dossiers", "dossiers_retrieve", dossier.id, client=officer)
    assert read.state == DossierState.VOTED and read.lines[0].state == NomineeState.PASSED

    # the public posting, then the chairman's decision once it has ended
    posted = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "post",
        client=board,
        body=models.DossiersTransitionsCreatePost(working_days=10),
    )
    assert posted.state == DossierState.POSTED
    end_posting(Dossier.objects.get(pk=dossier.id))  # the clock: the posting period has run out
    decided = api.call(
        "dossiers",
        "dossiers_transitions_create",
        dossier.id,
        "decide",
        client=chairman,
        body=models.DossiersTransitionsCreateDecide(
            decision_number="15/QĐ-UBND", decision_date=date.today(), approved=[line.id]
        ),
    )
    assert decided.state == DossierState.DECIDED

    # what the unit reads at the end: the state, the decision, the history
    final = api.call("dossiers", "dossiers_retrieve", dossier.id, client=officer)
    assert (final.state, final.decision_number) == (DossierState.DECIDED, "15/QĐ-UBND")
    assert final.lines[0].state == NomineeState.APPROVED
    history = api.call("dossiers", "dossiers_history_list", dossier.id, client=officer)
    verbs = [event.verb for event in history if event.target_state]
    assert verbs[:3] == ["create", "submit", "return_for_supplement"] and verbs[-1] == "decide"

    # the auditor starts a check of the audit chain and reads its result, and the signed checkpoints, as JSON
    started = api.call(
        "audit_checks",
        "audit_checks_create",
        client=auditor,
        body=models.AuditCheckStartRequest(mode=models.AuditCheckModeEnum.FULL),
        expect=201,
    )
    check = api.call("audit_checks", "audit_checks_retrieve", started.id, client=auditor)
    assert check.finished is True  # without a broker the check runs at once (workflows.audit_check)
    assert (check.state, check.problems, check.failure_sequence) == ("passed", [], None)
    assert check.checked == check.total > 0 and check.percent == 100
    assert [run.id for run in api.call("audit_checks", "audit_checks_list", client=auditor).results] == [
        check.id
    ]
    api.call("audit_checkpoints", "audit_checkpoints_list", client=auditor)
    api.call("audit_checks", "audit_checks_list", client=officer, expect=403)  # not the unit's business


def test_a_generated_client_declares_history_reads_typed_subjects_and_signs_a_checkpoint(
    generated,
    wsgi_transport,
    cast,  # noqa: F811
    settings,
    tmp_path,
):
    """The kinds of a nominee's declared history are the client's own classes (the oneOf of the web's forms,
    discriminated by `kind`); a history's subject is an object with kind, id and url; the auditor signs a
    checkpoint through it."""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    api = Api(generated, wsgi_transport)
    models = api.models
    officer, board, auditor = api.login(cast.officer), api.login(cast.board), api.login(cast.auditor)
    nominee = api.call(
        "nominees",
        "nominees_create",
        client=officer,
        body=models.NomineeRequest(
            kind=models.NomineeKindEnum.INDIVIDUAL,
            unit=cast.unit.pk,
            full_name="Lê Văn Hòa",
            birth_year=1979,
            gender=models.GenderEnum.MALE,
            position="Chuyên viên",
        ),
        expect=201,
    )
    declared = api.call(
        "nominees",
        "nominees_history_create",
        nominee.id,
        client=officer,
        body=models.HistoryDeclareRating(
            kind=models.HistoryDeclareRatingKindEnum.RATING,
            year=YEAR - 1,
            rating=models.HistoryDeclareRatingRatingEnum.HTXS,
            decision_number="12/QĐ-UBND",
            decision_date=date(YEAR - 1, 12, 28),
        ),
        expect=201,
    )
    assert (declared.kind, declared.year, declared.rating, declared.status) == (
        "rating",
        YEAR - 1,
        "HTXS",
        "declared",
    )
    listed = api.call("nominees", "nominees_history_retrieve", nominee.id, client=officer)
    assert [(r.kind, r.id) for r in listed.ratings] == [("rating", declared.id)]
    dossier = api.call(
        "dossiers",
        "dossiers_create",
        client=officer,
        body=models.DossierRequest(unit=cast.unit.pk, year=YEAR, title="Đề nghị khen thưởng năm 2023"),
        expect=201,
    )
    [event] = api.call("dossiers", "dossiers_history_list", dossier.id, client=board)
    assert isinstance(event.subject, models.AuditSubject)
    assert (event.subject.kind, event.subject.id, event.subject.url) == (
        "dossier",
        dossier.id,
        f"/api/v1/dossiers/{dossier.id}/",
    )
    assert event.subject_ref == f"dossiers.dossier:{dossier.id}"  # deprecated, one release

    signed = api.call("audit_checkpoints", "audit_checkpoints_create", client=auditor, expect=201)
    assert isinstance(signed, models.AuditCheckpoint) and signed.signature_valid is True
    assert signed.requested_by == cast.auditor.username
    listed = api.call("audit_checkpoints", "audit_checkpoints_list", client=auditor)
    assert [row.id for row in listed.results] == [signed.id]
