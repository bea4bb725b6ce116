"""Load the Can Tho demo data set: units, councils, one login per role. Idempotent."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisations.models import Council, CouncilTerm, Unit
from workflows.audit import SYSTEM
from workflows.models import COUNCIL_ROLES, Membership, Role
from workflows.services import membership_grant

DEMO_PASSWORD = "tdkt-demo-2023"
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
        with transaction.atomic():
            units = self._units(data["units"])
            terms = self._councils(data["councils"], units)
            logins = self._people(data["people"], units, terms)
            logins += self._council_members(data["council_members"], terms)
            self._superuser()
        if PLAN_FILE.exists() and "import_plan" in _commands():
            call_command("import_plan", str(PLAN_FILE), verbosity=0)
        call_command("seed_councils", verbosity=0)
        call_command("seed_dossiers", verbosity=0)
        call_command("seed_innovation", verbosity=0)
        if not quiet:
            self._print(logins)

    def _units(self, rows) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        for row in rows:
            unit, _ = Unit.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "short_name": row.get("short_name", ""),
                    "kind": row["kind"],
                    "parent": units.get(row.get("parent")),
                },
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
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

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
        prefixes = {"hd-tdkt-tp": "council.member", "hd-sang-kien-tp": "innovation.member"}
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
        for code, count in counts.items():
            term = terms[code]
            for index in range(1, count + 1):
                username = f"{prefixes[code]}{index}"
                name = f"{surnames[(index - 1) % len(surnames)]} {given[(index * 7) % len(given)]}"
                user = self._user(username, name, f"{username}@example.vn")
                self._grant(user, Role.COUNCIL_MEMBER, term=term)
                if index <= 2 or code == "hd-tdkt-tp" and index <= 5:
                    logins.append((username, name, f"{Role.COUNCIL_MEMBER.label} ({term.council.name})"))
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
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for every one: {DEMO_PASSWORD})"))
        width = max(len(u) for u, _, _ in logins) + 2
        self.stdout.write(f"  {'username'.ljust(width)}{'name'.ljust(22)}roles")
        for username, name, roles in [("admin", "Quản trị viên", "superuser (/admin/)"), *logins]:
            self.stdout.write(f"  {username.ljust(width)}{name.ljust(22)}{roles}")
        for term, size in sizes.items():
            self.stdout.write(f"  {term}: {size} members")
        self.stdout.write("")


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
