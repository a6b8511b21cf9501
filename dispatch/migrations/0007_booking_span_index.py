"""A GiST index over every slot-holding booking's time range, for the free-window search.

The search asks "which bookings overlap this window?" as tstzrange(start, end) && window on
PostgreSQL; this index answers that for all engineers at once (the exclusion constraint's
index leads with the engineer, so it serves one engineer at a time). SQLite has neither.
"""

from django.db import migrations

UP = """
CREATE INDEX IF NOT EXISTS dispatch_booking_span_gist ON dispatch_booking
    USING gist (tstzrange(start, "end", '[)')) WHERE status <> 'cancelled';
"""
DOWN = "DROP INDEX IF EXISTS dispatch_booking_span_gist;"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0006_rating_rated_at_index")]

    operations = [migrations.RunPython(_run(UP), _run(DOWN))]
