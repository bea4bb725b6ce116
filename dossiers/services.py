"""Writes of the dossiers app. State changes go through workflows.engine; other writes that matter are audited."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from councils.registry import AgendaTerms, ItemResult
from organisations.models import CouncilKind, Unit
from workflows import audit, engine, throttle
from workflows.lifecycle import internal_step
from workflows.names import full_name
from workflows.policies import require
from workflows.uploads import pdf_name, read_pdf

from .eligibility import award_names_read_once, blocking_errors, histories_of_lines, record_calendar
from .identity import normalise_cccd, same_cccd
from .integrity import DUPLICATE_AWARD, duplicate_award, recorded_award_message
from .models import (
    AwardRecord,
    AwardType,
    Dossier,
    DossierDocument,
    DossierNominee,
    DossierState,
    Nominee,
    NomineeHold,
    NomineeState,
    PublicComment,
    RecordSource,
    Submission,
)
from .models.catalogue import AwardRoute, DocumentKind, OccasionKind
from .models.dossier import EDITABLE_STATES, FINAL_STATES
from .policies import (
    HANDLE_DOSSIER,
    assigned_officer,
    board_officers,
    forget_assignment,
    may_assign_officer,
    may_manage_holds,
    may_prepare_for_unit,
    may_review_declared_history,
)
from .rule_versions import awards_for_year, catalogue_lock_check, citations, line_versions, version_for_year

#: Document kinds attached to the dossier as a whole; the others belong to one nominee line.
DOSSIER_LEVEL_KINDS = (
    DocumentKind.SUBMISSION_LETTER,
    DocumentKind.UNIT_COUNCIL_MINUTES,
    DocumentKind.BALLOT_MINUTES,
    DocumentKind.CONSULTATION_OPINION,
)


def _editable(dossier: Dossier) -> None:
    if dossier.state not in EDITABLE_STATES:
        raise ValidationError(
            _("Hồ sơ ở trạng thái «%(state)s» không được sửa.") % {"state": dossier.get_state_display()}
        )


@transaction.atomic
def dossier_create(*, unit: Unit, year: int, occasion: str, title: str, user, client_ip=None) -> Dossier:
    """A unit officer or head opens a draft dossier for their unit."""
    actor = require(may_prepare_for_unit, audit.Actor(user=user, client_ip=client_ip), unit)
    dossier = Dossier.objects.create(unit=unit, year=year, occasion=occasion, title=title, created_by=user)
    audit.record(
        subject=dossier,
        actor=actor,
        verb="create",
        target_state=dossier.state,
        data={"unit": unit.code, "year": year, "occasion": occasion, "title": title},
    )
    return dossier


@transaction.atomic
def nominee_create(*, unit: Unit, user, client_ip=None, **fields) -> Nominee:
    """A unit records a person, collective or household it may propose."""
    actor = require(may_prepare_for_unit, audit.Actor(user=user, client_ip=client_ip), unit)
    if "cccd" in fields:
        fields["cccd"] = normalise_cccd(fields["cccd"])
    nominee = Nominee(unit=unit, **fields)
    nominee.full_clean(validate_constraints=False)
    _check_identity(nominee)
    try:
        with transaction.atomic():  # a savepoint: a twin saved at the same moment trips the unique constraint
            nominee.save()
    except IntegrityError:
        nominee.pk = None
        _check_identity(nominee)  # names the twin that won the race
        raise ValidationError({"cccd": _("Số CCCD này vừa được ghi cho một đối tượng khác.")}) from None
    audit.record(
        subject=nominee,
        actor=actor,
        verb="create",
        data={"kind": nominee.kind, "full_name": nominee.full_name, "unit": unit.code},
    )
    return nominee


def _check_identity(nominee: Nominee) -> None:
    """A CCCD belongs to a person only, and to one person nominee within the city: a second nominee with the
    same number is refused, naming (and linking) the one already recorded."""
    from .models.catalogue import RecipientKind

    if not nominee.cccd:
        return
    if nominee.kind != RecipientKind.INDIVIDUAL:
        raise ValidationError({"cccd": _("Chỉ cá nhân mới có số CCCD; tập thể được xác định theo đơn vị.")})
    existing = same_cccd(nominee.cccd, exclude_pk=nominee.pk)
    if existing is not None:
        raise ValidationError(
            {
                "cccd": ValidationError(
                    _(
                        "Số CCCD %(cccd)s đã có ở đối tượng %(name)s (%(unit)s), mã %(pk)s: %(url)s. "
                        "Mỗi người chỉ có một hồ sơ đối tượng trong thành phố; hãy dùng đối tượng đó."
                    )
                    % {
                        "cccd": nominee.cccd,
                        "name": existing.full_name,
                        "unit": existing.unit.name,
                        "pk": existing.pk,
                        "url": existing_url(existing),
                    },
                    code="duplicate_cccd",
                )
            }
        )


def existing_url(nominee: Nominee) -> str:
    from django.urls import reverse

    return reverse("dossiers:nominee", args=[nominee.pk])


COLLECTIVE_FIELDS = (
    "members_total",
    "members_completed",
    "members_advanced",
    "members_grassroots_fighters",
    "members_disciplined",
)


def _version_for_line(year: int, award: AwardType):
    """The rule version that applies to achievements of `year` (version_for_year), taken from the award itself
    when the award's own version is in force on the period's last day: versions never overlap (checked by
    dossiers.rule_versions, and on PostgreSQL by an exclusion constraint), so it is then the one. Spares a line
    of an already read award (the same award for every line of a dossier) the version's query."""
    from .rule_versions import period_end

    version = award.rule_version if award.rule_version_id is not None else None
    day = period_end(year)
    if (
        version is not None
        and version.effective_from is not None
        and version.effective_from <= day
        and (version.effective_to is None or version.effective_to >= day)
    ):
        return version
    return version_for_year(year)


def _check_line(dossier: Dossier, nominee: Nominee, award: AwardType, *, exclude_line_id=None) -> None:
    """Refuse a line the dossier cannot hold: another unit's nominee, an award not for this kind of nominee or
    occasion, an award version out of force, or an achievement already proposed or awarded (integrity)."""
    errors = []
    if nominee.unit_id != dossier.unit_id:
        errors.append(_("Đối tượng không thuộc đơn vị đề nghị."))
    if not award.accepts(nominee.kind):
        errors.append(
            _("%(award)s không dành cho đối tượng «%(kind)s».")
            % {"award": award.name, "kind": nominee.get_kind_display()}
        )
    if award.occasion_kinds and dossier.occasion not in award.occasion_kinds:
        errors.append(
            _("%(award)s không xét theo loại khen thưởng «%(occasion)s».")
            % {"award": award.name, "occasion": dossier.get_occasion_display()}
        )
    version = _version_for_line(dossier.year, award)
    if version is None:
        errors.append(
            _("Không có phiên bản quy định nào áp dụng cho thành tích năm %(year)s.") % {"year": dossier.year}
        )
    elif award.rule_version_id != version.pk:
        errors.append(
            _("%(award)s (phiên bản này) không áp dụng cho thành tích năm %(year)s: áp dụng «%(version)s».")
            % {"award": award.name, "year": dossier.year, "version": version.name}
        )
    duplicate = duplicate_award(
        nominee, award, dossier.year, exclude_line_id=exclude_line_id, occasion=dossier.occasion
    )
    if duplicate:
        errors.append(ValidationError(duplicate, code=DUPLICATE_AWARD))
    if errors:
        raise ValidationError({"award": errors})


@transaction.atomic
def line_add(
    *,
    dossier: Dossier,
    nominee: Nominee,
    award: AwardType,
    achievement_report: str,
    user,
    client_ip=None,
    **collective,
) -> DossierNominee:
    """Add a nominee with one award and the achievement report to a draft or returned dossier."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    # the unit policy needs only the unit's id: the unit itself is not read
    actor = require(may_prepare_for_unit, audit.Actor(user=user, client_ip=client_ip), dossier.unit_id)
    _editable(dossier)
    _check_line(dossier, nominee, award)
    # the twin line and the next position in one statement (the twin is still refused after the line checks)
    lines = dossier.lines.aggregate(
        top=Max("position"), twins=Count("pk", filter=Q(nominee=nominee, award=award))
    )
    if lines["twins"]:
        raise ValidationError({"nominee": _("Đối tượng này đã được đề nghị hình thức này trong hồ sơ.")})
    position = (lines["top"] or 0) + 1
    line = DossierNominee.objects.create(
        dossier=dossier,
        nominee=nominee,
        award=award,
        rule_version_id=award.rule_version_id,
        achievement_report=achievement_report,
        position=position,
        **{key: collective.get(key) for key in COLLECTIVE_FIELDS},
    )
    audit.record(
        subject=dossier,
        actor=actor,
        verb="nominee_add",
        data={"line": line.pk, "nominee": nominee.full_name, "award": award.code},
    )
    return line


@transaction.atomic
def line_update(*, line: DossierNominee, user, client_ip=None, **fields) -> DossierNominee:
    """Change a line's award, report or collective figures while the dossier is editable."""
    dossier = Dossier.objects.select_for_update().get(pk=line.dossier_id)
    actor = require(may_prepare_for_unit, audit.Actor(user=user, client_ip=client_ip), dossier.unit)
    _editable(dossier)
    line = DossierNominee.objects.get(pk=line.pk)
    before = {
        "award": line.award.code,
        "achievement_report": line.achievement_report,
        **{key: getattr(line, key) for key in COLLECTIVE_FIELDS},
    }
    if "award" in fields:
        _check_line(dossier, line.nominee, fields["award"], exclude_line_id=line.pk)
        twin = dossier.lines.filter(nominee=line.nominee, award=fields["award"]).exclude(pk=line.pk)
        if twin.exists():
            raise ValidationError({"award": _("Đối tượng này đã được đề nghị hình thức này trong hồ sơ.")})
        line.rule_version_id = fields["award"].rule_version_id
    for key, value in fields.items():
        setattr(line, key, value)
    line.save()
    after = {
        "award": line.award.code,
        "achievement_report": line.achievement_report,
        **{key: getattr(line, key) for key in COLLECTIVE_FIELDS},
    }
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    audit.record(
        subject=dossier, actor=actor, verb="nominee_update", data={"line": line.pk, "changes": changes}
    )
    return line


@transaction.atomic
def line_remove(*, line: DossierNominee, user, client_ip=None) -> None:
    """Take a nominee out of a draft or returned dossier (its documents go with it)."""
    dossier = Dossier.objects.select_for_update().get(pk=line.dossier_id)
    actor = require(may_prepare_for_unit, audit.Actor(user=user, client_ip=client_ip), dossier.unit)
    _editable(dossier)
    if dossier.submission_count:
        raise ValidationError(_("Hồ sơ đã trình không được bớt đối tượng; hãy rút hồ sơ nếu cần."))
    audit.record(
        subject=dossier,
        actor=actor,
        verb="nominee_remove",
        data={"line": line.pk, "nominee": line.nominee.full_name, "award": line.award.code},
    )
    line.delete()


@transaction.atomic
def document_upload(
    *, dossier: Dossier, kind: str, upload, user, line: DossierNominee | None = None, client_ip=None
) -> DossierDocument:
    """Store a new version of one document of a dossier (or of one of its lines); earlier versions are kept."""
    from django.core.files.base import ContentFile

    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    # the unit policy needs only the unit's id: the unit itself is not read
    actor = require(may_prepare_for_unit, audit.Actor(user=user, client_ip=client_ip), dossier.unit_id)
    _editable(dossier)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Loại tài liệu không hợp lệ.")})
    if line is not None and line.dossier_id != dossier.pk:
        raise ValidationError({"line": _("Đối tượng không thuộc hồ sơ này.")})
    if kind in DOSSIER_LEVEL_KINDS:
        line = None
    elif line is None:
        raise ValidationError({"line": _("Hãy chọn đối tượng mà tài liệu này thuộc về.")})
    content, digest = read_pdf(upload)
    version = (
        DossierDocument.objects.filter(dossier=dossier, line=line, kind=kind).aggregate(top=Max("version"))[
            "top"
        ]
        or 0
    ) + 1
    name = pdf_name(getattr(upload, "name", ""))
    document = DossierDocument(
        dossier=dossier,
        line=line,
        kind=kind,
        version=version,
        original_name=name,
        size=len(content),
        sha256=digest,
        submission_round=dossier.submission_count + 1,
        uploaded_by=user,
    )
    document.file.save(f"{digest[:16]}.pdf", ContentFile(content), save=False)
    document.save()
    audit.record(
        subject=dossier,
        actor=actor,
        verb="document_upload",
        data={
            "document": document.pk,
            "kind": kind,
            "line": getattr(line, "pk", None),
            "version": version,
            "name": name,
            "size": len(content),
            "sha256": digest,
        },
    )
    return document


def current_documents(dossier: Dossier) -> dict[tuple[int | None, str], DossierDocument]:
    """The latest version of each (line, kind) document of a dossier."""
    latest: dict[tuple[int | None, str], DossierDocument] = {}
    for document in dossier.documents.order_by("line_id", "kind", "version"):
        latest[(document.line_id, document.kind)] = document
    return latest


#: Documents each line needs for the dossier's occasion, on top of its award's (NĐ 98/2023: a sudden
#: achievement is proven by its own record).
OCCASION_DOCUMENTS = {OccasionKind.SUDDEN: (DocumentKind.SUDDEN_ACHIEVEMENT_PROOF,)}


def required_documents(award, occasion: str) -> list[str]:
    """The document kinds a line of `award` needs in a dossier of `occasion`: the award's, then the occasion's."""
    kinds = list(award.required_documents)
    kinds += [kind for kind in OCCASION_DOCUMENTS.get(occasion, ()) if kind not in kinds]
    return kinds


def missing_documents(dossier: Dossier, *, lines=None, documents=None) -> list[str]:
    """Required documents (per award of each line, and per the dossier's occasion) not yet uploaded, as
    Vietnamese messages. `lines` (with their award and nominee) and `documents` (current_documents): already
    read by the caller."""
    have = set(current_documents(dossier) if documents is None else documents)
    missing = []
    if lines is None:
        lines = dossier.lines.select_related("award", "nominee")
    for line in lines:
        for kind in required_documents(line.award, dossier.occasion):
            key = (None, kind) if kind in DOSSIER_LEVEL_KINDS else (line.pk, kind)
            if key in have:
                continue
            label = DocumentKind(kind).label
            message = (
                _("Thiếu %(doc)s của hồ sơ.") % {"doc": label}
                if kind in DOSSIER_LEVEL_KINDS
                else _("%(name)s: thiếu %(doc)s.") % {"name": line.nominee.full_name, "doc": label}
            )
            if message not in missing:
                missing.append(message)
    return missing


def duplicate_awards_many(lines: list[DossierNominee]) -> list[str]:
    """integrity.duplicate_awards() for the lines of one dossier (loaded with nominee, award and dossier) in two
    queries, not two per line: for each line in order, the same refusal duplicate_award() gives it (another
    line proposing the same award code for the nominee's achievement of the year and occasion, else an award
    record), with the same wording."""
    from .integrity import REFUSED_LINE_STATES, duplicate_awards
    from .models import RecordStatus

    if len({(line.dossier.year, line.dossier.occasion) for line in lines}) > 1:
        return duplicate_awards(lines)  # lines of several years or occasions: one by one
    if not lines:
        return []
    year, occasion = lines[0].dossier.year, lines[0].dossier.occasion
    nominee_ids = {line.nominee_id for line in lines}
    codes = {line.award.code for line in lines}
    others = (
        DossierNominee.objects.filter(nominee_id__in=nominee_ids, award__code__in=codes, dossier__year=year)
        .exclude(dossier__state=DossierState.WITHDRAWN)
        .exclude(state__in=REFUSED_LINE_STATES)
        .order_by("dossier_id")
    )
    records = (
        AwardRecord.objects.filter(nominee_id__in=nominee_ids, award__code__in=codes, year=year)
        .exclude(status=RecordStatus.REJECTED)
        .select_related("award")
        .order_by("pk")
    )
    if occasion:
        others = others.filter(dossier__occasion=occasion)
        records = records.filter(occasion=occasion)
    proposed: dict[tuple, list[tuple[int, int]]] = {}
    for pk, nominee_id, code, dossier_id in others.values_list(
        "pk", "nominee_id", "award__code", "dossier_id"
    ):
        proposed.setdefault((nominee_id, code), []).append((pk, dossier_id))
    recorded: dict[tuple, list[AwardRecord]] = {}
    for record in records:
        recorded.setdefault((record.nominee_id, record.award.code), []).append(record)
    messages = []
    for line in lines:
        key = (line.nominee_id, line.award.code)
        nominee, award = line.nominee, line.award
        other = next((dossier_id for pk, dossier_id in proposed.get(key, ()) if pk != line.pk), None)
        if other is not None:
            message = _("Đã đề nghị «%(award)s» cho %(name)s năm %(year)s trong hồ sơ số %(dossier)s.") % {
                "award": award.name,
                "name": nominee.full_name,
                "year": year,
                "dossier": other,
            }
        else:
            record = next((r for r in recorded.get(key, ()) if r.dossier_nominee_id != line.pk), None)
            if record is None:
                continue
            message = recorded_award_message(nominee, award, year, record)
        if message:
            messages.append(message)
    return messages


def _lines_to_check(dossier: Dossier) -> list[DossierNominee]:
    # the nominee's unit (its rating calendar) and the award's rules read with the lines, not once per line
    return list(dossier.lines.select_related("award", "nominee__unit").prefetch_related("award__rules"))


def eligibility_errors(dossier: Dossier, *, lines=None) -> list[str]:
    """`lines`: _lines_to_check(dossier), already read by the caller."""
    errors = []
    lines = _lines_to_check(dossier) if lines is None else lines
    # every line's history in one read per kind of record, and the names the rules cite once (not per line)
    histories = histories_of_lines(lines)
    with award_names_read_once():
        for line in lines:
            for message in blocking_errors(
                line.nominee, line.award, dossier.year, line, history=histories[line.pk]
            ):
                errors.append(f"{line.nominee.full_name} – {line.award.name}: {message}")
    return errors


def submission_check(dossier: Dossier) -> tuple[list[DossierNominee], dict]:
    """Refuse a submission without nominees, with missing required documents or a blocking eligibility error.
    Returns what it read, (the lines, current_documents), for the snapshot taken right after."""
    lines = _lines_to_check(dossier)  # the lines once, for every check (and the snapshot)
    if not lines:
        raise ValidationError({"__all__": [_("Hồ sơ chưa có đối tượng đề nghị nào.")]})
    documents = current_documents(dossier)
    errors = missing_documents(dossier, lines=lines, documents=documents) + eligibility_errors(
        dossier, lines=lines
    )
    if errors:
        raise ValidationError({"__all__": errors})
    return lines, documents


def submission_snapshot(dossier: Dossier, *, lines=None, documents=None) -> Submission:
    """Keep what this submission contained, to show the Board what changed since the previous one. `lines`
    (with nominee and award) and `documents` (current_documents): what submission_check has just read."""
    if lines is None:
        lines = dossier.lines.select_related("nominee", "award")
    if documents is None:
        documents = current_documents(dossier)
    lines = [
        {
            "id": line.pk,
            "nominee": line.nominee.full_name,
            "award": line.award.name,
            "report": line.achievement_report,
            **{key: getattr(line, key) for key in COLLECTIVE_FIELDS},
        }
        for line in lines
    ]
    documents = [
        {
            "id": d.pk,
            "line": d.line_id,
            "kind": d.kind,
            "version": d.version,
            "name": d.original_name,
            "sha256": d.sha256,
        }
        for d in documents.values()
    ]
    return Submission.objects.create(
        dossier=dossier, number=dossier.submission_count, snapshot={"lines": lines, "documents": documents}
    )


def submission_changes(previous: dict, current: dict) -> list[str]:
    """What changed between two submission snapshots, in Vietnamese sentences."""
    changes = []
    before = {line["id"]: line for line in previous.get("lines", [])}
    after = {line["id"]: line for line in current.get("lines", [])}
    for pk in after.keys() - before.keys():
        changes.append(
            _("Thêm đối tượng %(name)s (%(award)s).")
            % {"name": after[pk]["nominee"], "award": after[pk]["award"]}
        )
    for pk in before.keys() - after.keys():
        changes.append(_("Bớt đối tượng %(name)s.") % {"name": before[pk]["nominee"]})
    for pk in sorted(after.keys() & before.keys()):
        old, new = before[pk], after[pk]
        for key in old:
            if key != "id" and old.get(key) != new.get(key):
                label = _("báo cáo thành tích") if key == "report" else key
                changes.append(_("%(name)s: sửa %(field)s.") % {"name": new["nominee"], "field": label})
    old_docs = {(d["line"], d["kind"]): d for d in previous.get("documents", [])}
    for doc in current.get("documents", []):
        old = old_docs.get((doc["line"], doc["kind"]))
        label = DocumentKind(doc["kind"]).label
        if old is None:
            changes.append(_("Bổ sung %(doc)s (%(name)s).") % {"doc": label, "name": doc["name"]})
        elif old["sha256"] != doc["sha256"]:
            changes.append(
                _("Thay %(doc)s: phiên bản %(old)s → %(new)s.")
                % {"doc": label, "old": old["version"], "new": doc["version"]}
            )
    return changes


def award_record_create(
    *, line: DossierNominee, decision_number: str, decision_date, authority: str
) -> AwardRecord:
    """A decided award enters the register (sổ vàng) and the nominee's history, feeding future eligibility; it
    keeps its dossier's occasion (only regular yearly merit makes merit chains) and the nominee's calendar."""
    return AwardRecord.objects.create(
        nominee=line.nominee,
        award=line.award,
        year=line.dossier.year,
        authority=authority,
        decision_number=decision_number,
        decision_date=decision_date,
        source=RecordSource.DECIDED_HERE,
        occasion=line.dossier.occasion,
        calendar=record_calendar(line.nominee),
        dossier_nominee=line,
    )


def council_item_add(*, line: DossierNominee, session, actor: audit.Actor) -> None:
    """Put a proposed line on a council session's agenda through the councils app (agenda_subject_add), which
    reads the item's pass rule, proposing unit and route from council_agenda_terms, never from the caller. There
    is no line on agenda without a session: nobody else may add it to one later."""
    if session is None:
        raise ValidationError({"session": _("Chọn phiên họp hội đồng sẽ xét các đối tượng này.")})
    from councils.services import agenda_subject_add

    # place_on_agenda (from "proposed") calls this with the line already in its target state
    if line.state not in (NomineeState.PROPOSED, NomineeState.ON_AGENDA):
        raise engine.TransitionNotAllowed(
            _("Chỉ đưa ra hội đồng đối tượng đã được Ban đề nghị (hiện: «%(state)s»).")
            % {"state": line.get_state_display()}
        )
    batch = _SCHEDULED_ITEMS.get()
    item = batch.pop(line.pk, None) if batch is not None else None
    if item is None:
        item = agenda_subject_add(session=session, subject=line, actor=actor)
    elif item.session_id != session.pk or item.subject_id != str(line.pk):
        raise RuntimeError("the batch's agenda item is not this line's on this session")
    line.council_term_id = session.council_term_id
    line.council_item_ref = str(item.pk)


#: line pk → the agenda item council_items_add() has just created for it (DossierLifecycle.schedule): while the
#: dossier's lines take place_on_agenda in one batch, each line takes its own item from here instead of adding
#: a second one. Set only by scheduled_items(), around that batch; each item is taken once.
_SCHEDULED_ITEMS: ContextVar[dict | None] = ContextVar("dossiers_scheduled_items", default=None)


def council_items_add(*, lines: list[DossierNominee], session, actor: audit.Actor) -> dict:
    """council_item_add() for many proposed lines of one dossier on one session at once (the dossier's schedule):
    the same state check for each line, the same "already on an agenda" refusal (of the first line, in the lines'
    order, with the one-by-one wording), then every item in one councils.agenda_subjects_add (one lock of the
    session, the terms of every line in one query, the items in bulk, their audit events). {line pk: item}."""
    if session is None:
        raise ValidationError({"session": _("Chọn phiên họp hội đồng sẽ xét các đối tượng này.")})
    from django.contrib.contenttypes.models import ContentType

    from councils.models import AgendaItem
    from councils.services import _ITEM_LIVE_STATES, agenda_subjects_add

    for line in lines:
        if line.state not in (NomineeState.PROPOSED, NomineeState.ON_AGENDA):
            raise engine.TransitionNotAllowed(
                _("Chỉ đưa ra hội đồng đối tượng đã được Ban đề nghị (hiện: «%(state)s»).")
                % {"state": line.get_state_display()}
            )
    waiting: dict[str, AgendaItem] = {}
    for item in AgendaItem.objects.filter(
        subject_type=ContentType.objects.get_for_model(DossierNominee),
        subject_id__in=[str(line.pk) for line in lines],
        session__state__in=_ITEM_LIVE_STATES,
    ).select_related("session"):
        waiting.setdefault(item.subject_id, item)  # the first by the items' order, as waiting.first()
    for line in lines:
        if (other := waiting.get(str(line.pk))) is not None:
            raise engine.TransitionNotAllowed(
                _(
                    "«%(subject)s» đã có trong chương trình phiên họp «%(session)s»; không thể đưa vào lần nữa."
                )
                % {"subject": line, "session": other.session.title}
            )
    items = agenda_subjects_add(session=session, subjects=lines, actor=actor)
    return {int(item.subject_id): item for item in items}


@contextmanager
def scheduled_items(items: dict):
    """While the block runs, council_item_add() gives each line of `items` ({line pk: item}) its item."""
    token = _SCHEDULED_ITEMS.set(dict(items))
    try:
        yield
        left = _SCHEDULED_ITEMS.get()
        if left:
            raise RuntimeError(f"agenda items created for lines that did not take them: {sorted(left)}")
    finally:
        _SCHEDULED_ITEMS.reset(token)


#: Councils that vote on the city's awards (DOMAIN.md §3): the city emulation council, or an ad hoc council.
CITY_COUNCIL_KINDS = (CouncilKind.EMULATION, CouncilKind.AD_HOC)


def council_agenda_terms(*, subject: DossierNominee, session) -> AgendaTerms:
    """How a dossier line is put to a council (registered with councils.registry): the pass rule of the line's
    award version, the dossier's unit as proposing unit; only a city emulation (or ad hoc) council votes on an
    award the city decides or proposes to the central level."""
    line = DossierNominee.objects.select_related("award", "nominee", "dossier__unit", "rule_version").get(
        pk=subject.pk
    )
    return _line_terms(line, session, line_versions(line.dossier, [line]))


def council_agenda_terms_many(*, subjects: list[DossierNominee], session) -> list[AgendaTerms]:
    """council_agenda_terms() for many lines on one session (registered as agenda_terms_many): the lines, awards,
    nominees, dossiers, units and rule versions in one query; a dossier whose lines record no version is asked for
    its version once. In the subjects' order, the same terms and the same refusal (of the first line refused)."""
    lines = DossierNominee.objects.select_related(
        "award", "nominee", "dossier__unit", "rule_version"
    ).in_bulk([subject.pk for subject in subjects])
    dossiers: dict[int, Dossier] = {}
    versions: dict[int, list] = {}
    terms = []
    for subject in subjects:
        line = lines.get(subject.pk)
        if line is None:
            terms.append(council_agenda_terms(subject=subject, session=session))
            continue
        line.dossier = dossiers.setdefault(line.dossier_id, line.dossier)
        if line.rule_version is not None:
            used = [line.rule_version]
        else:
            if line.dossier_id not in versions:
                versions[line.dossier_id] = line_versions(line.dossier, [line])
            used = versions[line.dossier_id]
        terms.append(_line_terms(line, session, used))
    return terms


def _line_terms(line: DossierNominee, session, versions) -> AgendaTerms:
    """The terms of one loaded line on `session`, citing `versions` (the rule versions the line is judged by)."""
    award = line.award
    council = session.council_term.council
    if award.route == AwardRoute.UNIT_DECIDES:
        raise ValidationError(
            {
                "session": _(
                    "«%(award)s» do đơn vị tự quyết định; không trình Hội đồng Thi đua - Khen thưởng thành phố."
                )
                % {"award": award.name}
            }
        )
    if council.kind not in CITY_COUNCIL_KINDS:
        raise ValidationError(
            {
                "session": _(
                    "«%(council)s» không xét «%(award)s»: đối tượng chỉ được đưa ra Hội đồng Thi đua - "
                    "Khen thưởng thành phố (hoặc hội đồng lâm thời)."
                )
                % {"council": council.name, "award": award.name}
            }
        )
    nominee = line.nominee
    summary = _("%(unit)s đề nghị %(award)s cho %(name)s. %(report)s") % {
        "unit": line.dossier.unit.name,
        "award": award.name,
        "name": nominee.full_name,
        "report": line.achievement_report[:1500],
    }
    return AgendaTerms(
        title=f"{nominee.full_name} – {award.name}",
        summary=summary,
        threshold=award.threshold(),
        proposing_unit=line.dossier.unit,
        # the minutes cite the legal basis of the rule version the line is judged by (dossiers.rule_versions)
        legal_basis=tuple(citations(versions)),
    )


def council_result_receive(*, subject: DossierNominee, result: ItemResult, actor: audit.Actor) -> None:
    """The councils app issued its result for a nominee: record it from the tally, then move the dossier on
    once every nominee on the agenda has a result. Runs in the councils app's transaction."""
    verb = "council_pass" if result.passed else "council_fail"
    role = actor.role or "system"
    tally = {
        "council_result": {
            "session": result.session_id,
            "item": result.item_id,
            "agree": result.agree,
            "disagree": result.disagree,
            "abstain": result.abstain,
            "base": result.base_count,
            "passed": result.passed,
            "explanation": result.explanation,
        }
    }
    behalf = getattr(actor.on_behalf_of, "pk", None)
    with internal_step(subject, role=role, on_behalf_of_id=behalf, payload=result):
        engine.perform(subject, verb, user=actor.user, client_ip=actor.client_ip, extra_audit=tally)
    dossier = Dossier.objects.get(pk=subject.dossier_id)
    waiting = dossier.lines.filter(state=NomineeState.ON_AGENDA).exists()
    if dossier.state == DossierState.ON_AGENDA and not waiting:
        with internal_step(dossier, role=role, on_behalf_of_id=behalf):
            engine.perform(dossier, "record_council_results", user=actor.user, client_ip=actor.client_ip)


#: Longest accepted public comment fields (characters); the form shows the same limits.
PUBLIC_COMMENT_LIMITS = {"author_name": 120, "contact": 200, "text": 2000}


def _public_comment_limits(fields: dict[str, str]) -> None:
    errors = {
        name: _("Tối đa %(limit)s ký tự (đã nhập %(length)s).")
        % {"limit": PUBLIC_COMMENT_LIMITS[name], "length": len(value)}
        for name, value in fields.items()
        if len(value) > PUBLIC_COMMENT_LIMITS[name]
    }
    errors.update(
        {name: _("Trường này không được để trống.") for name, value in fields.items() if not value.strip()}
    )
    if errors:
        raise ValidationError(errors)


def _public_comment_throttle(dossier: Dossier, client_ip) -> None:
    """At most PUBLIC_COMMENT_RATE_PER_IP comments from one address and PUBLIC_COMMENT_RATE_PER_POSTING on
    one posting (a dossier's public notice): each comment is a permanent audit event, so a flood is refused
    before anything is written."""
    checks = (
        ("public_comment_ip", client_ip, settings.PUBLIC_COMMENT_RATE_PER_IP),
        ("public_comment_posting", str(dossier.pk), settings.PUBLIC_COMMENT_RATE_PER_POSTING),
    )
    for scope, ident, rate in checks:
        verdict = throttle.hit(scope, ident, rate)
        if not verdict.allowed:
            raise throttle.RateLimited(
                _(
                    "Đã nhận quá nhiều ý kiến góp ý trong thời gian ngắn. Ý kiến của ông/bà chưa được ghi; "
                    "vui lòng gửi lại sau %(minutes)s phút."
                )
                % {"minutes": max(1, round(verdict.retry_after / 60))},
                verdict.retry_after,
            )


def _under_notice(line: DossierNominee) -> bool:
    """The line is under its public notice before the council (dossiers.notice) today."""
    from .models import PublicNotice
    from .notice import NOTICE_LINE_STATES, is_open

    notice = PublicNotice.objects.filter(line_id=line.pk).first()
    return notice is not None and line.state in NOTICE_LINE_STATES and is_open(notice)


@transaction.atomic
def public_comment_add(
    *, line: DossierNominee, author_name: str, contact: str, text: str, client_ip=None
) -> PublicComment:
    """A member of the public comments on a posted nominee during the comment period, within the size limits
    and the rate limits (RateLimited otherwise: nothing is written, not even an audit event)."""
    _public_comment_limits({"author_name": author_name, "contact": contact, "text": text})
    line = DossierNominee.objects.select_related("dossier").get(pk=line.pk)
    dossier = line.dossier
    posted = (
        dossier.state == DossierState.POSTED
        and line.state == NomineeState.PASSED
        and not (dossier.posted_until and timezone.localdate() > dossier.posted_until)
    )
    if not posted and not _under_notice(line):
        raise ValidationError(_("Đối tượng này không còn trong thời gian lấy ý kiến."))
    _public_comment_throttle(dossier, client_ip)
    comment = PublicComment.objects.create(line=line, author_name=author_name, contact=contact, text=text)
    audit.record(
        subject=line,
        actor=audit.Actor(user=None, role="public", client_ip=client_ip),
        verb="public_comment",
        data={"comment": comment.pk, "author": author_name},
    )
    return comment


# -- configuration: the award catalogue (audited with before/after values; workflows.config) ----------------


def award_type_save(*, award, actor: audit.Actor):
    """Create or change an award type (its authority, route, required documents, vote threshold); audited."""
    from workflows.config import config_save

    catalogue_lock_check(award)  # not an award of a version a submitted dossier applies
    return config_save(award, actor=actor)


def award_type_update(*, award, actor: audit.Actor, **changes):
    """Change the named fields of an award type; audited with before/after."""
    from workflows.config import config_update

    catalogue_lock_check(award)
    return config_update(award, actor=actor, **changes)


def eligibility_rule_save(*, rule, actor: audit.Actor):
    """Create or change an eligibility rule of an award type; audited with before/after."""
    from workflows.config import config_save

    catalogue_lock_check(rule)
    return config_save(rule, actor=actor)


def eligibility_rule_delete(*, rule, actor: audit.Actor) -> None:
    """Remove an eligibility rule; audited with its last values."""
    from workflows.config import config_delete

    catalogue_lock_check(rule)
    config_delete(rule, actor=actor)


# -- a nominee's declared history: a unit declares past titles, ratings and initiatives; the Board checks ------

#: The kinds of history a unit may declare, by the name used in URLs, the API and the Excel import.
HISTORY_KINDS = ("title", "rating", "initiative")
EARLIEST_HISTORY_YEAR = 1945


def history_model(kind: str):
    from .models import InitiativeRecognition, YearlyRating

    models_by_kind = {"title": AwardRecord, "rating": YearlyRating, "initiative": InitiativeRecognition}
    if kind not in models_by_kind:
        raise ValidationError({"kind": _("Loại quá trình không hợp lệ.")})
    return models_by_kind[kind]


def history_kind_of(record) -> str:
    return {"awardrecord": "title", "yearlyrating": "rating", "initiativerecognition": "initiative"}[
        record._meta.model_name
    ]


def _text(fields: dict, key: str) -> str:
    return " ".join(str(fields.get(key) or "").split())


def _history_record(*, nominee: Nominee, kind: str, fields: dict):
    """An unsaved, validated DECLARED record of `kind` for `nominee`; ValidationError keyed by field otherwise.
    `fields` holds: year, decision_number, decision_date, and per kind award (an AwardType) + authority +
    occasion (title; regular yearly merit when empty), rating (rating), title + scope + recognised_by
    (initiative; a national scope also central_document_number + central_document_date, the central
    recognition it stands on). Titles and ratings are on the nominee's sector calendar."""
    from .models import InitiativeRecognition, RecordStatus, YearlyRating
    from .models.catalogue import AwardLevel, RecipientKind
    from .models.nominees import Rating

    model = history_model(kind)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()

    def error(field, message):
        errors.setdefault(field, []).append(message)

    year = fields.get("year")
    try:
        year = int(year) if year not in (None, "") and not isinstance(year, bool) else None
    except (TypeError, ValueError):
        year = None
    if year is None:
        error("year", _("Ghi năm (4 chữ số)."))
    elif not EARLIEST_HISTORY_YEAR <= year <= today.year:
        error(
            "year",
            _("Năm phải từ %(first)s đến %(last)s.") % {"first": EARLIEST_HISTORY_YEAR, "last": today.year},
        )
    number = _text(fields, "decision_number")
    if not number:
        error("decision_number", _("Ghi số quyết định làm căn cứ."))
    elif len(number) > 60:
        error("decision_number", _("Số quyết định tối đa 60 ký tự."))
    decided = fields.get("decision_date")
    if not decided:
        error("decision_date", _("Ghi ngày quyết định (dd/mm/yyyy)."))
    elif decided > today:
        error("decision_date", _("Ngày quyết định không được ở tương lai."))
    elif year is not None and decided.year < year:
        error("decision_date", _("Ngày quyết định không thể trước năm %(year)s.") % {"year": year})
    common = {
        "nominee": nominee,
        "year": year,
        "decision_number": number,
        "decision_date": decided,
        "status": RecordStatus.DECLARED,
    }
    live = model.objects.filter(nominee=nominee, year=year).exclude(status=RecordStatus.REJECTED)
    if kind == "title":
        award = fields.get("award")
        authority = _text(fields, "authority")
        if isinstance(award, AwardType) and year is not None:
            # the title as the rules in force that year had it (the form offers each award once, its latest
            # version); eligibility reads titles by code, the record keeps the version of its year
            award = awards_for_year(year).filter(code=award.code).first() or award
        if not isinstance(award, AwardType):
            error("award", _("Chọn danh hiệu, hình thức khen thưởng trong danh mục."))
        elif not award.accepts(nominee.kind):
            error(
                "award",
                _("%(award)s không dành cho đối tượng «%(kind)s».")
                % {"award": award.name, "kind": nominee.get_kind_display()},
            )
        elif year is not None and live.filter(award__code=award.code).exists():
            error(
                "award",
                _("Đã có %(award)s năm %(year)s trong quá trình.") % {"award": award.name, "year": year},
            )
        if not authority:
            error("authority", _("Ghi cấp quyết định (ví dụ: Chủ tịch UBND thành phố)."))
        occasion = fields.get("occasion") or OccasionKind.ANNUAL
        if occasion not in OccasionKind.values:
            error(
                "occasion",
                _("Chọn loại khen thưởng: thường xuyên, chuyên đề, đột xuất, cống hiến hoặc đối ngoại."),
            )
        elif isinstance(award, AwardType) and award.occasion_kinds and occasion not in award.occasion_kinds:
            error(
                "occasion",
                _("%(award)s không xét theo loại khen thưởng «%(occasion)s».")
                % {"award": award.name, "occasion": OccasionKind(occasion).label},
            )
        record = AwardRecord(
            award=award if isinstance(award, AwardType) else None,
            authority=authority[:255],
            occasion=occasion,
            calendar=record_calendar(nominee),
            **common,
        )
    elif kind == "rating":
        rating = fields.get("rating")
        if nominee.kind != RecipientKind.INDIVIDUAL:
            error("rating", _("Xếp loại hằng năm chỉ dành cho cá nhân."))
        if rating not in Rating.values:
            error("rating", _("Chọn một mức xếp loại trong danh sách."))
        if year is not None and live.exists():
            error("year", _("Năm %(year)s đã có xếp loại.") % {"year": year})
        record = YearlyRating(rating=rating or "", calendar=record_calendar(nominee), **common)
    else:
        title = _text(fields, "title")
        scope = fields.get("scope")
        if not title:
            error("title", _("Ghi tên sáng kiến, đề tài."))
        elif len(title) > 500:
            error("title", _("Tên sáng kiến tối đa 500 ký tự."))
        elif year is not None and any(
            other.casefold() == title.casefold() for other in live.values_list("title", flat=True)
        ):
            error("title", _("Sáng kiến này đã có trong quá trình năm %(year)s.") % {"year": year})
        if scope not in AwardLevel.values:
            error("scope", _("Chọn phạm vi ảnh hưởng trong danh sách."))
        central_number = _text(fields, "central_document_number")
        central_date = fields.get("central_document_date") or None
        if scope == AwardLevel.STATE:
            # a national scope is never a local council's to give (DOMAIN.md §2): it needs the central act
            from .initiative_scope import CENTRAL_RECOGNITION_REQUIRED, central_recognition_errors

            for field, message in central_recognition_errors(central_number, central_date, today).items():
                error(field, ValidationError(message, code=CENTRAL_RECOGNITION_REQUIRED))
        record = InitiativeRecognition(
            title=title[:500],
            scope=scope or "",
            recognised_by=_text(fields, "recognised_by")[:255],
            central_document_number=central_number[:60] if scope == AwardLevel.STATE else "",
            central_document_date=central_date if scope == AwardLevel.STATE else None,
            **common,
        )
    if errors:
        raise ValidationError(errors)
    return record


def _history_data(record) -> dict:
    kind = history_kind_of(record)
    data = {
        "kind": kind,
        "nominee": record.nominee_id,
        "nominee_name": record.nominee.full_name,
        "year": record.year,
        "decision_number": record.decision_number,
        "decision_date": record.decision_date.isoformat() if record.decision_date else "",
    }
    if kind == "title":
        data.update(award=record.award.code, authority=record.authority, occasion=record.occasion)
    elif kind == "rating":
        data.update(rating=record.rating)
    else:
        data.update(title=record.title, scope=record.scope, recognised_by=record.recognised_by)
        if record.central_document_number:
            data.update(
                central_document_number=record.central_document_number,
                central_document_date=record.central_document_date.isoformat(),
            )
    return data


def _save_declared(record, actor: audit.Actor, extra: dict | None = None):
    record.declared_by = actor.user
    record.declared_at = timezone.now()
    record.save()
    audit.record(
        subject=record,
        actor=actor,
        verb="declare",
        target_state=record.status,
        data={**_history_data(record), **(extra or {})},
    )
    return record


@transaction.atomic
def record_declare(*, nominee: Nominee, kind: str, fields: dict, actor):
    """The nominee's unit (officer or head) declares one past title, yearly rating or recognised initiative,
    with its decision as evidence. It waits for the Board and does not count toward eligibility until confirmed."""
    actor = require(may_prepare_for_unit, actor, nominee.unit)
    nominee = Nominee.objects.select_for_update().get(pk=nominee.pk)
    return _save_declared(_history_record(nominee=nominee, kind=kind, fields=fields), actor)


class HistoryImportRefused(ValidationError):
    """An import refused as a whole; `rows` lists (row number, message), each shown as "Dòng N: …"."""

    def __init__(self, rows: list[tuple[int, str]]):
        self.rows = rows
        super().__init__([_("Dòng %(row)d: %(message)s") % {"row": n, "message": m} for n, m in rows])


@transaction.atomic
def history_import(*, nominee: Nominee, rows, actor) -> list:
    """Declare many records from the Excel template (`rows`: dossiers.history_import.HistoryRow). All or
    nothing: any bad row refuses the whole file, naming every bad row; nothing is written then."""
    actor = require(may_prepare_for_unit, actor, nominee.unit)
    nominee = Nominee.objects.select_for_update().get(pk=nominee.pk)
    if not rows:
        raise ValidationError({"file": _("Tệp không có dòng nào ngoài dòng tiêu đề.")})
    errors: list[tuple[int, str]] = []
    prepared = []
    seen: dict[tuple, int] = {}
    for row in rows:
        if row.errors:
            errors.extend((row.number, message) for message in row.errors)
            continue
        try:
            record = _history_record(nominee=nominee, kind=row.kind, fields=row.fields)
        except ValidationError as error:
            errors.extend((row.number, message) for message in error.messages)
            continue
        key = (row.kind, record.year) + (
            (record.award_id,)
            if row.kind == "title"
            else (record.title.casefold(),)
            if row.kind == "initiative"
            else ()
        )
        if key in seen:
            errors.append((row.number, _("Trùng với dòng %(row)d.") % {"row": seen[key]}))
            continue
        seen[key] = row.number
        prepared.append((row.number, record))
    if errors:
        raise HistoryImportRefused(errors)
    return [_save_declared(record, actor, {"imported_row": number}) for number, record in prepared]


def _review(record, *, status: str, note: str, actor, verb: str):
    from .models import RecordStatus

    model = type(record)
    record = model.objects.select_for_update().select_related("nominee").get(pk=record.pk)
    if getattr(record, "source", RecordSource.IMPORTED) == RecordSource.DECIDED_HERE:
        raise ValidationError(_("Khen thưởng quyết định trên hệ thống không sửa được."))
    if record.status != RecordStatus.DECLARED:
        raise ValidationError(
            _("Bản ghi này đã được xử lý («%(status)s»).") % {"status": record.get_status_display()}
        )
    before = record.status
    record.status = status
    record.reviewed_by = actor.user
    record.reviewed_at = timezone.now()
    record.review_note = note
    record.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        subject=record,
        actor=actor,
        verb=verb,
        source_state=before,
        target_state=status,
        comment=note,
        data=_history_data(record),
    )
    return record


@transaction.atomic
def record_confirm(*, record, actor, note: str = ""):
    """The Board confirms a declared record: from now on it counts toward eligibility."""
    from .models import RecordStatus

    actor = require(may_review_declared_history, actor, record)
    return _review(
        record, status=RecordStatus.CONFIRMED, note=" ".join(note.split())[:500], actor=actor, verb="confirm"
    )


@transaction.atomic
def record_reject(*, record, actor, note: str):
    """The Board rejects a declared record, saying why; it never counts toward eligibility."""
    from .models import RecordStatus

    actor = require(may_review_declared_history, actor, record)
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": _("Ghi lý do không xác nhận để đơn vị biết.")})
    return _review(record, status=RecordStatus.REJECTED, note=note[:500], actor=actor, verb="reject")


# -- the Board officer assigned to a dossier (object grant dossiers.handle_dossier, audited) ------------------

#: A dossier is assigned once the unit has sent it and until nothing more is to be done with it.
ASSIGNABLE_STATES = tuple(
    state for state in DossierState.values if state not in (DossierState.DRAFT, *FINAL_STATES)
)


@transaction.atomic
def dossier_assign_officer(dossier: Dossier, officer, *, actor) -> Dossier:
    """The Board head gives `dossier` to one Board officer to handle (None: takes it back). The assignment is
    the guardian object permission dossiers.handle_dossier, granted and revoked through the permission layer
    (permission_granted / permission_revoked events on the dossier); reassigning revokes the previous
    officer's grant first. Refused: someone other than the Board head (403), a dossier not yet sent or
    already finished, or an officer who is not a Board officer today (400, next to the field)."""
    from workflows.policies import grant, revoke

    actor = require(may_assign_officer, actor, dossier)
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state not in ASSIGNABLE_STATES:
        raise ValidationError(
            {
                "officer": _("Hồ sơ ở trạng thái «%(state)s» không giao cho chuyên viên được.")
                % {"state": locked.get_state_display()}
            }
        )
    if officer is not None and not board_officers().filter(pk=officer.pk).exists():
        raise ValidationError({"officer": _("Người này hiện không phải chuyên viên Ban TĐKT.")})
    previous = assigned_officer(locked)
    if previous is not None and officer is not None and previous.pk == officer.pk:
        return locked
    if previous is not None:
        revoke(
            previous,
            HANDLE_DOSSIER,
            locked,
            actor=actor,
            data={"officer": full_name(previous), "reassigned_to": officer.username if officer else None},
        )
    if officer is not None:
        grant(officer, HANDLE_DOSSIER, locked, actor=actor, data={"officer": full_name(officer)})
    for instance in (locked, dossier):
        forget_assignment(instance)
    return locked


# -- holds (tạm dừng xét khen thưởng): dated records the Board creates and lifts, audited ------------------------

HOLD_TEXT_LIMITS = {"source_document": 500, "note": 1000}


@transaction.atomic
def hold_create(
    *, nominee: Nominee, kind: str, starts_on, ends_on=None, source_document: str, note: str = "", actor
) -> NomineeHold:
    """The Board records that `nominee` is under discipline, inspection, a complaint or a press-reported issue
    from `starts_on` (to `ends_on`, open-ended when None), citing the source document. While in force it
    blocks submission, agenda and decision for the nominee's lines (dossiers.lifecycle conditions)."""
    from .models import HoldKind

    actor = require(may_manage_holds, actor, nominee)
    nominee = Nominee.objects.select_for_update().get(pk=nominee.pk)
    source_document = " ".join(str(source_document or "").split())
    note = " ".join(str(note or "").split())
    errors: dict[str, str] = {}
    if kind not in HoldKind.values:
        errors["kind"] = _("Chọn loại: kỷ luật, thanh tra, khiếu nại hoặc báo chí phản ánh.")
    if not starts_on:
        errors["starts_on"] = _("Ghi ngày bắt đầu (dd/mm/yyyy).")
    elif ends_on and ends_on < starts_on:
        errors["ends_on"] = _("Ngày kết thúc (%(end)s) không được trước ngày bắt đầu (%(start)s).") % {
            "end": ends_on.strftime("%d/%m/%Y"),
            "start": starts_on.strftime("%d/%m/%Y"),
        }
    if not source_document:
        errors["source_document"] = _("Ghi văn bản căn cứ (số, ngày, cơ quan ban hành).")
    for field, limit in HOLD_TEXT_LIMITS.items():
        value = source_document if field == "source_document" else note
        if len(value) > limit and field not in errors:
            errors[field] = _("Tối đa %(limit)s ký tự (đã nhập %(length)s).") % {
                "limit": limit,
                "length": len(value),
            }
    if errors:
        raise ValidationError(errors)
    hold = NomineeHold.objects.create(
        nominee=nominee,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        source_document=source_document,
        note=note,
        created_by=actor.user,
    )
    audit.record(
        subject=nominee,
        actor=actor,
        verb="hold_create",
        data={
            "hold": hold.pk,
            "kind": kind,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
            "source_document": source_document,
            "note": note,
        },
    )
    return hold


@transaction.atomic
def hold_lift(*, hold: NomineeHold, note: str, actor, lifted_on=None) -> NomineeHold:
    """The Board lifts a hold (the inspection concluded nothing, the complaint was unfounded …), saying why;
    it no longer blocks from `lifted_on` (today). The record stays, with who lifted it and when."""
    actor = require(may_manage_holds, actor, hold.nominee)
    hold = NomineeHold.objects.select_for_update().select_related("nominee").get(pk=hold.pk)
    if hold.lifted_on is not None:
        raise ValidationError(
            _("Việc tạm dừng này đã được gỡ ngày %(day)s.") % {"day": hold.lifted_on.strftime("%d/%m/%Y")}
        )
    note = " ".join(str(note or "").split())
    if not note:
        raise ValidationError({"note": _("Ghi lý do gỡ tạm dừng xét khen thưởng.")})
    if len(note) > HOLD_TEXT_LIMITS["note"]:
        raise ValidationError(
            {"note": _("Tối đa %(limit)s ký tự (đã nhập %(length)s).") % {"limit": 1000, "length": len(note)}}
        )
    hold.lifted_on = lifted_on or timezone.localdate()
    hold.lifted_by = actor.user
    hold.lift_note = note
    hold.save(update_fields=["lifted_on", "lifted_by", "lift_note"])
    audit.record(
        subject=hold.nominee,
        actor=actor,
        verb="hold_lift",
        data={"hold": hold.pk, "kind": hold.kind, "lifted_on": hold.lifted_on.isoformat(), "note": note},
    )
    return hold
