"""`manage.py generate_load`: a large, reproducible data set for the read benchmarks (docs/benchmarks.md).

Rows are bulk-inserted, not walked through the engine (100 000 dossiers through every step would take
hours); the audit events are still a valid hash chain, so verify_audit passes on the result. Never run it
on a database that holds real data: it refuses unless the database is empty of dossiers or --force is given.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from benchmarks.load import LoadEvent, append_events
from dossiers.models import AwardType, Dossier, DossierNominee, Nominee
from organisations.models import Unit, UnitKind
from workflows.models import Membership, Role

#: dossier state → the state of its nominee line, in proportions a busy year might have
STATES = [
    ("draft", "pending"),
    ("submitted", "pending"),
    ("returned", "pending"),
    ("accepted", "pending"),
    ("appraised", "proposed"),
    ("on_agenda", "on_agenda"),
    ("voted", "passed"),
    ("posted", "passed"),
    ("decided", "approved"),
    ("decided", "approved"),
]
VERBS = [
    "create",
    "document_upload",
    "submit",
    "accept",
    "propose",
    "sign_off",
    "schedule",
    "council_pass",
    "post",
    "decide",
]


class Command(BaseCommand):
    help = "Generate units, dossiers and audit events for the read benchmarks (reproducible with --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=500)
        parser.add_argument("--dossiers", type=int, default=100_000)
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, units, dossiers, events, seed, force, **options):
        if Dossier.objects.exists() and not force:
            raise CommandError("the database already has dossiers; use --force on a throwaway database only")
        rng = random.Random(seed)
        award = AwardType.objects.effective_on(date(2023, 12, 31)).get(code="bk-tp")  # the dossiers' year
        with transaction.atomic():
            unit_rows = self._units(units)
            board, unit_officer = self._users(unit_rows[0])
            dossier_ids = self._dossiers(dossiers, unit_rows, award, unit_officer, rng)
        self._events(events, dossier_ids, board)
        with (
            connection.cursor() as cursor
        ):  # fresh statistics, as autovacuum / PRAGMA optimize keep in service
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"generated {len(unit_rows)} units, {len(dossier_ids)} dossiers, {events} audit events"
        )

    def _units(self, count: int) -> list[Unit]:
        Unit.objects.bulk_create(
            [
                Unit(
                    code=f"load-unit-{i}",
                    name=f"Đơn vị thử tải số {i}",
                    short_name=f"ĐV{i}",
                    kind=UnitKind.LOCALITY if i % 10 == 0 else UnitKind.AGENCY,
                )
                for i in range(1, count + 1)
            ],
            batch_size=1000,
        )
        return list(Unit.objects.filter(code__startswith="load-unit-").order_by("pk"))

    def _users(self, first_unit: Unit):
        users = get_user_model().objects
        board = users.create(username="load.board", first_name="Ban", last_name="TĐKT")
        officer = users.create(username="load.unit", first_name="Cán bộ", last_name="Đơn vị")
        start = date(2020, 1, 1)
        approved = datetime(2020, 1, 1, tzinfo=UTC)  # load data, like seeding: granted by the system
        Membership.objects.bulk_create(
            [
                Membership(user=board, role=Role.BOARD_OFFICER, valid_from=start, approved_at=approved),
                Membership(
                    user=officer,
                    role=Role.UNIT_OFFICER,
                    unit=first_unit,
                    valid_from=start,
                    approved_at=approved,
                ),
            ]
        )
        return board, officer

    def _dossiers(self, count, unit_rows, award, creator, rng) -> list[int]:
        batch = 5000
        dossier_ids: list[int] = []
        for offset in range(0, count, batch):
            size = min(batch, count - offset)
            picks = [STATES[rng.randrange(len(STATES))] for _ in range(size)]
            units_for = [unit_rows[(offset + i) % len(unit_rows)] for i in range(size)]
            created = Dossier.objects.bulk_create(
                [
                    Dossier(
                        unit=units_for[i],
                        year=2023,
                        occasion="annual",
                        title=f"Hồ sơ đề nghị số {offset + i + 1}",
                        state=picks[i][0],
                        created_by=creator,
                        deadline=date(2023, 1, 2) + timedelta(days=rng.randrange(700)),
                    )
                    for i in range(size)
                ]
            )
            nominees = Nominee.objects.bulk_create(
                [
                    Nominee(
                        unit=units_for[i],
                        kind="individual",
                        full_name=f"Nguyễn Văn {offset + i + 1}",
                        birth_year=1960 + rng.randrange(40),
                        gender="male",
                        position="Chuyên viên",
                    )
                    for i in range(size)
                ]
            )
            DossierNominee.objects.bulk_create(
                [
                    DossierNominee(
                        dossier=created[i],
                        nominee=nominees[i],
                        award=award,
                        position=1,
                        achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
                        state=picks[i][1],
                    )
                    for i in range(size)
                ]
            )
            dossier_ids.extend(d.pk for d in created)
        return dossier_ids

    def _events(self, total: int, dossier_ids: list[int], board) -> None:
        """`total` chained events spread over the dossiers (10 each, in order), appended to the chain."""
        content_type = ContentType.objects.get_for_model(Dossier)
        label = f"{content_type.app_label}.{content_type.model}"
        start = datetime(2023, 1, 1, tzinfo=UTC)
        per_dossier = len(VERBS)
        data = {"changes": {"state": ["a", "b"]}}
        append_events(
            LoadEvent(
                content_type.pk,
                label,
                str(dossier_ids[(index // per_dossier) % len(dossier_ids)]),
                board.pk,
                Role.BOARD_OFFICER,
                VERBS[index % per_dossier],
                data,
                start + timedelta(seconds=index * 3),
            )
            for index in range(total)
        )
