"""The database itself refuses to change ledger lines.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, used only to reset test databases, is a
statement-level operation and stays possible). SQLite refuses UPDATE; its test databases are
reset with DELETE, so there the model and queryset refuse deletion instead.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION budgeting_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'budget ledger lines are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER budgeting_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON budgeting_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION budgeting_ledger_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS budgeting_ledgerentry_append_only ON budgeting_ledgerentry;
DROP FUNCTION IF EXISTS budgeting_ledger_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER budgeting_ledgerentry_append_only BEFORE UPDATE ON budgeting_ledgerentry
BEGIN SELECT RAISE(ABORT, 'budget ledger lines are append-only: UPDATE refused'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS budgeting_ledgerentry_append_only;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)  # no placeholders: "%" is PL/pgSQL's own

    return run


class Migration(migrations.Migration):
    dependencies = [("budgeting", "0003_budgets_and_ledger")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
