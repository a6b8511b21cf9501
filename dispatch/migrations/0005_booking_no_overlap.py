"""No engineer holds two overlapping bookings: enforced by PostgreSQL itself.

An exclusion constraint over (engineer, tstzrange(start, end, '[)')) for every booking that
holds its slot (all but cancelled). Half-open ranges let back-to-back bookings touch. It is
not declared in the model's Meta because SQLite has no such constraint; there the booking
service's IMMEDIATE transaction serialises writers and its overlap check is the rule.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE dispatch_booking ADD CONSTRAINT dispatch_booking_no_overlap
    EXCLUDE USING gist (engineer_id WITH =, tstzrange(start, "end", '[)') WITH &&)
    WHERE (status <> 'cancelled');
"""
POSTGRES_DOWN = "ALTER TABLE dispatch_booking DROP CONSTRAINT IF EXISTS dispatch_booking_no_overlap;"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0004_engineer_calendar_token")]

    operations = [migrations.RunPython(_run(POSTGRES_UP), _run(POSTGRES_DOWN))]
