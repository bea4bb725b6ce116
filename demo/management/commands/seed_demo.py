"""Load the Can Tho demo data set: units, councils, one login per role. Idempotent."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from demo import plan_history, reorganisation
from organisations.models import Council, CouncilTerm, RatingCalendar, Unit
from workflows.audit import SYSTEM
from workflows.models import COUNCIL_ROLES, Membership, Role
from workflows.services import membership_grant
from workflows.tasks import dispatch_notifications

DEMO_PASSWORD = "tdkt-demo-2023"
#: where the demo's notification e-mails go while seed_demo runs: nowhere (they stay in each user's bell)
DEMO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
ORGANISATIONS_FILE = Path(settings.BASE_DIR) / "demo" / "data" / "can_tho.yaml"
PLAN_FILE = Path(settings.BASE_DIR) / "plan" / "data" / "plan_2023.yaml"


class Command(BaseCommand):
    help = "Create (or bring up to date) the Can Tho 2023 demo data and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the logins table")
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="i_know_this_is_not_production",
            help="load the demo data although DEBUG is off (a staging or demo server, never production)",
        )

    def handle(self, *args, quiet=False, i_know_this_is_not_production=False, **options):
        refuse_demo_data_in_production(i_know_this_is_not_production)
        data = yaml.safe_load(ORGANISATIONS_FILE.read_text(encoding="utf-8"))
        # The demo's own notifications are recorded in the app (each user's bell) but no e-mail is sent for
        # them: in development the console backend would print two dozen e-mails around the logins table.
        with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND):
            with transaction.atomic():
                units = self._units(data["units"])
                terms = self._councils(data["councils"], units)
                logins = self._people(data["people"], units, terms)
                logins += self._council_members(data["council_members"], terms)
                self._superuser()
            if PLAN_FILE.exists() and "import_plan" in _commands():
                call_command("import_plan", str(PLAN_FILE), verbosity=0)
                self._plans()
            with transaction.atomic():  # the tree after 1 July 2025, over the 2023 one (and the plan's units)
                reorganisation.apply(data["reorganisation_2025"])
            call_command("seed_councils", verbosity=0)
            call_command("seed_dossiers", verbosity=0)
            call_command("seed_innovation", verbosity=0)
            dispatch_notifications()
        if not quiet:
            self._print(logins)

    def _plans(self) -> None:
        """The 2023 plan as history, and this year's plan copied from it and brought to today (demo/plan_history.py)."""
        from plan.models import Plan

        history = Plan.objects.filter(year=plan_history.HISTORY_YEAR).first()
        users = get_user_model().objects
        board_officer = users.filter(username="board.officer").first()
        board_head = users.filter(username="board.head").first()
        if history is None or board_officer is None or board_head is None:
            return
        today = timezone.localdate()
        dispatch_notifications()  # what came before the backfill is notified as usual
        with transaction.atomic():
            plan_history.backfill_history(history)
            if today.year > history.year:
                current = plan_history.current_plan(
                    history, today, board_officer=board_officer, board_head=board_head
                )
                plan_history.bring_up_to_date(current, today)
            plan_history.skip_notifications_for_backfill()

    def _units(self, rows) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        for row in rows:
            values = {"name": row["name"], "short_name": row.get("short_name", ""), "kind": row["kind"]}
            values["rating_calendar"] = row.get("rating_calendar", RatingCalendar.CALENDAR_YEAR)
            # the 2023 parent is set when the unit is created; later moves are the dated tree's (reorganisation)
            unit, _ = Unit.objects.update_or_create(
                code=row["code"],
                defaults=values,
                create_defaults={**values, "parent": units.get(row.get("parent"))},
            )
            units[unit.code] = unit
        return units

    def _councils(self, rows, units) -> dict[str, CouncilTerm]:
        terms = {}
        for row in rows:
            council, _ = Council.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "kind": row["kind"], "unit": units[row["unit"]]},
            )
            term, _ = CouncilTerm.objects.get_or_create(
                council=council, name=row["term"]["name"], defaults={"starts_on": row["term"]["starts_on"]}
            )
            terms[council.code] = term
        return terms

    def _user(self, username: str, full_name: str, email: str):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            last, _, first = full_name.rpartition(" ")
            user.first_name, user.last_name, user.email = first, last, email
            user.password = self._password_hash()
            user.save()
        return user

    def _password_hash(self) -> str:
        """The published demo password, hashed once for every demo login (hashing is slow by design)."""
        if not getattr(self, "_hash", None):
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash

    def _grant(self, user, role, unit=None, term=None, valid_from=None) -> None:
        exists = Membership.objects.filter(user=user, role=role, unit=unit, council_term=term).exists()
        if not exists:
            membership_grant(
                user=user,
                role=role,
                unit=unit,
                council_term=term,
                actor=SYSTEM,
                valid_from=valid_from or (term.starts_on if term else None),
            )

    def _people(self, rows, units, terms) -> list[tuple[str, str, str]]:
        logins = []
        for row in rows:
            user = self._user(row["username"], row["name"], row["email"])
            labels = []
            for grant in row["roles"]:
                unit = units.get(grant.get("unit"))
                term = terms.get(grant.get("council"))
                valid_from = None if term else _start_of_plan_year()
                self._grant(user, grant["role"], unit, term, valid_from)
                scope = unit.short_name if unit else (term.council.name if term else "toàn thành phố")
                labels.append(f"{Role(grant['role']).label} ({scope})")
            logins.append((row["username"], row["name"], "; ".join(labels)))
        return logins

    def _council_members(self, counts, terms) -> list[tuple[str, str, str]]:
        logins = []
        prefixes = {
            "hd-tdkt-tp": "council.member",
            "hd-sang-kien-tp": "innovation.member",
            "hd-tdkt-ninh-kieu": "ninhkieu.member",
        }
        surnames = [
            "Nguyễn",
            "Trần",
            "Lê",
            "Phạm",
            "Hoàng",
            "Huỳnh",
            "Phan",
            "Vũ",
            "Võ",
            "Đặng",
            "Bùi",
            "Đỗ",
            "Hồ",
            "Ngô",
            "Dương",
            "Lý",
            "Trương",
            "Đinh",
        ]
        given = [
            "Văn An",
            "Thị Bình",
            "Minh Châu",
            "Quốc Dũng",
            "Thị Hạnh",
            "Hữu Khánh",
            "Ngọc Lan",
            "Thanh Long",
            "Thị Ngân",
            "Văn Phong",
            "Hoài Quân",
            "Thị Sương",
            "Tấn Tài",
            "Kim Uyên",
            "Xuân Vinh",
            "Thị Yến",
            "Đức Thắng",
            "Bảo Trâm",
        ]
        self._more_members = []
        for code, count in counts.items():
            term = terms[code]
            label = f"{Role.COUNCIL_MEMBER.label} ({term.council.name})"
            shown = 5 if code == "hd-tdkt-tp" else 2
            for index in range(1, count + 1):
                username = f"{prefixes[code]}{index}"
                name = f"{surnames[(index - 1) % len(surnames)]} {given[(index * 7) % len(given)]}"
                user = self._user(username, name, f"{username}@example.vn")
                self._grant(user, Role.COUNCIL_MEMBER, term=term)
                if index <= shown:
                    logins.append((username, name, label))
            if count > shown:  # the rest of the council, one line: every demo login is in the table
                first = f"{prefixes[code]}{shown + 1}"
                self._more_members.append((f"{first}…{count}", f"{count - shown} người", label))
        return logins

    def _superuser(self) -> None:
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "admin@example.vn", DEMO_PASSWORD)

    def _print(self, logins) -> None:
        sizes = {
            term: Membership.objects.filter(council_term=term, role__in=COUNCIL_ROLES)
            .values("user")
            .distinct()
            .count()
            for term in CouncilTerm.objects.select_related("council")
        }
        rows = [("admin", "Quản trị viên", "superuser (/admin/)"), *logins, *self._more_members]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for every one: {DEMO_PASSWORD})"))
        width = max(len(u) for u, _, _ in rows) + 2
        self.stdout.write(f"  {'username'.ljust(width)}{'name'.ljust(22)}roles")
        for username, name, roles in rows:
            self.stdout.write(f"  {username.ljust(width)}{name.ljust(22)}{roles}")
        for term, size in sizes.items():
            self.stdout.write(f"  {term}: {size} members")


def refuse_demo_data_in_production(confirmed: bool) -> None:
    """The demo data creates `admin` (a superuser) and a login per role, all with the published password:
    refuse unless DEBUG is on or the operator says explicitly that this is not production."""
    if settings.DEBUG or confirmed:
        return
    raise CommandError(
        "seed_demo refused: DEBUG is off, so this looks like production. The demo data creates the superuser "
        f"'admin' and a login per role, all with the published password {DEMO_PASSWORD!r}. On a development "
        "machine set DJANGO_DEBUG=1; on a throwaway demo or staging server pass --i-know-this-is-not-production."
    )


def _start_of_plan_year():
    from datetime import date

    return date(2022, 12, 1)


def _commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())
