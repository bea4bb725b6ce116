"""The database itself refuses UPDATE and DELETE on the audit table (PostgreSQL and SQLite)."""

from django.db import migrations

TABLE = "workflows_auditevent"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION workflows_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused on {TABLE}',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_audit_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION workflows_audit_append_only();
CREATE TRIGGER workflows_audit_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION workflows_audit_append_only();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS workflows_audit_no_update ON {TABLE};
DROP TRIGGER IF EXISTS workflows_audit_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS workflows_audit_append_only();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER workflows_audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused on {TABLE}'); END;""",
    f"""CREATE TRIGGER workflows_audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused on {TABLE}'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS workflows_audit_no_update;", "DROP TRIGGER IF EXISTS workflows_audit_no_delete;"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"no append-only trigger for database vendor {vendor!r}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
