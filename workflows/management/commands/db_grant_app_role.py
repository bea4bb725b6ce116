"""`manage.py db_grant_app_role ROLE`: give the application's database role exactly the rights it needs.

Run as the role that owns the tables (the one that runs `migrate`), after every migrate. The application
role then reads and writes every table, but on the audit tables it may only SELECT and INSERT (and UPDATE
the one-row chain head): it cannot UPDATE, DELETE or TRUNCATE events or checkpoints, and since it owns no
table it cannot ALTER TABLE … DISABLE TRIGGER or DROP them (docs/operations.md, "Database roles").
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

#: appended to only: the application role may read and insert, nothing else (the subject labels are written
#: by migrations, which run as the owner; verify_chain reads them)
APPEND_ONLY_TABLES = ("workflows_auditevent", "workflows_auditcheckpoint", "workflows_auditsubjectlabel")
#: the chain head: one row the append updates (its DELETE or TRUNCATE would help nobody but an attacker)
HEAD_TABLE = "workflows_auditchainhead"


def grant_statements(role: str, schema: str = "public") -> list[str]:
    quote = connection.ops.quote_name
    role_q, schema_q = quote(role), quote(schema)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM {role_q}",
        f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {role_q}")
    statements.append(f"REVOKE DELETE ON {quote(HEAD_TABLE)} FROM {role_q}")
    return statements


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role its rights after migrate (run as the table owner): full "
        "read/write except UPDATE/DELETE on the audit events and checkpoints, no TRUNCATE, no ownership."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's role (it must exist and must not own the tables)")
        parser.add_argument("--schema", default="public")
        parser.add_argument(
            "--print", action="store_true", dest="print_only", help="print the SQL, run nothing"
        )

    def handle(self, *args, role: str, schema: str, print_only: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles exist on PostgreSQL only (SQLite has no roles)")
        statements = grant_statements(role, schema)
        if print_only:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(
                    f"role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD '…' first"
                )
            if row[0]:
                raise CommandError(
                    f"role {role!r} is a superuser: superusers bypass every privilege and trigger"
                )
            cursor.execute(  # owning a table, or being a member of its owner, is owning it
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND pg_has_role(%s, tableowner, 'MEMBER')",
                [schema, role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"role {role!r} owns tables in {schema} (or is a member of their owner): the owner can "
                    "disable the audit triggers; "
                    "migrate as another role (docs/operations.md, 'Database roles')"
                )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(f"Granted the application's rights to {role} on schema {schema}.")
        )
