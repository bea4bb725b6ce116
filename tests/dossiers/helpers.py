"""Helpers for the dossiers tests: PDF uploads, catalogue look-ups, dossiers ready to submit, a whole walk."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from councils.registry import ItemResult, handler_for
from councils.services import session_create
from dossiers import services
from dossiers.models import AwardType, Dossier, NomineeState
from dossiers.rule_versions import version_for_year
from organisations.models import CouncilKind
from tests.factories import AwardRecordFactory, CouncilTermFactory, NomineeFactory
from tests.pdfs import pdf_bytes
from workflows import engine
from workflows.audit import Actor

YEAR = 2023


def pdf(name="tai-lieu.pdf", body=b"noi dung"):
    return SimpleUploadedFile(name, pdf_bytes(body), content_type="application/pdf")


def award(code, year=YEAR):
    """The award of the rule version that applies to achievements of `year` (dossiers.rule_versions)."""
    return AwardType.objects.get(code=code, rule_version=version_for_year(year))


def eligible_nominee(unit, code="bk-tp", **fields):
    """A person whose history meets the award's rules for YEAR."""
    nominee = NomineeFactory(unit=unit, **fields)
    if code == "bk-tp":
        for year in (YEAR - 1, YEAR):
            AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=year)
    elif code == "cstd-tq":
        from tests.factories import InitiativeRecognitionFactory

        for year in (YEAR - 1, YEAR):
            AwardRecordFactory(nominee=nominee, award=award("cstd-tp"), year=year)
        InitiativeRecognitionFactory(nominee=nominee, scope="state", year=YEAR)
    return nominee


def ready_dossier(cast, lines=(("bk-tp", None),), title="Đề nghị khen thưởng năm 2023"):
    """A draft dossier with its lines and every required document: ready for the unit head to submit."""
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title=title, user=cast.officer
    )
    for code, nominee in lines:
        nominee = nominee or eligible_nominee(cast.unit, code)
        line = services.line_add(
            dossier=dossier,
            nominee=nominee,
            award=award(code),
            achievement_report="Hoàn thành xuất sắc nhiệm vụ được giao.",
            user=cast.officer,
        )
        for kind in line.award.required_documents:
            if kind not in services.DOSSIER_LEVEL_KINDS:
                services.document_upload(
                    dossier=dossier, line=line, kind=kind, upload=pdf(f"{kind}.pdf"), user=cast.officer
                )
    kinds = {kind for code, _ in lines for kind in award(code).required_documents}
    for kind in sorted(kinds & set(services.DOSSIER_LEVEL_KINDS)):
        services.document_upload(dossier=dossier, kind=kind, upload=pdf(f"{kind}.pdf"), user=cast.officer)
    dossier.refresh_from_db()
    return dossier


def council_session(cast):
    """The planned session of the city emulation council that the cast's dossiers are scheduled to (made once
    per cast, by the Board, through the councils service)."""
    session = getattr(cast, "council_session", None)
    if session is None:
        term = CouncilTermFactory(council__kind=CouncilKind.EMULATION)
        session = session_create(
            council_term=term,
            title="Phiên họp xét khen thưởng năm 2023",
            planned_on=date(2024, 1, 20),
            actor=cast.board,
        )
        cast.council_session = session
    return session


def council_result(line, passed, *, actor_user=None, agree=None):
    """What the councils app does when it issues a session's resolution: call our registered handler."""
    agree = agree if agree is not None else (19 if passed else 8)
    result = ItemResult(
        passed=passed,
        agree=agree,
        disagree=21 - agree,
        abstain=0,
        base_count=21,
        explanation=f"{agree}/21 đồng ý",
        session_id=1,
        item_id=line.pk,
    )
    handler_for(line)(subject=line, result=result, actor=Actor(actor_user, role="council_secretary"))


def end_posting(dossier):
    """Let the public posting period pass (it ended on 01/01/2024): the decision may then be issued, dated
    after it (issue 14 item 6: never while the posting runs)."""
    Dossier.objects.filter(pk=dossier.pk).update(posted_until=date(2024, 1, 1))
    dossier.posted_until = date(2024, 1, 1)


def walk_to(cast, dossier, target, *, passed=True):
    """Take a submitted-ready dossier along the main path up to `target` (a dossier state)."""
    order = ["submitted", "accepted", "appraised", "on_agenda", "voted", "posted", "decided"]
    steps = {
        "submitted": lambda: engine.perform(dossier, "submit", user=cast.head),
        "accepted": lambda: engine.perform(dossier, "accept", user=cast.board),
        "appraised": lambda: (
            [
                engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
                for line in dossier.lines.all()
            ],
            engine.perform(dossier, "sign_off", user=cast.board_head),
        ),
        "on_agenda": lambda: engine.perform(
            dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk}
        ),
        "voted": lambda: [
            council_result(line, passed) for line in dossier.lines.filter(state=NomineeState.ON_AGENDA)
        ],
        "posted": lambda: engine.perform(dossier, "post", user=cast.board, data={"working_days": 10}),
        "decided": lambda: (
            end_posting(dossier)
            or engine.perform(
                dossier,
                "decide",
                user=cast.chairman,
                data={
                    "decision_number": "123/QĐ-UBND",
                    "decision_date": "2024-01-15",
                    "approved": ",".join(
                        str(pk)
                        for pk in dossier.lines.filter(state=NomineeState.PASSED).values_list("pk", flat=True)
                    ),
                },
            )
        ),
    }
    for state in order:
        steps[state]()
        dossier.refresh_from_db()
        if state == target:
            break
    return dossier
