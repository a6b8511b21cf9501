"""Database expressions the ORM lacks, written once for PostgreSQL and SQLite."""

from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import FloatField, Func


class SecondsBetween(Func):
    """``later − earlier`` in seconds (NULL when either is NULL), computed by the database."""

    arity = 2
    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores aware datetimes in UTC as ISO text; julianday() reads it, in days.
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)", arg_joiner=") - julianday("
        )


class TstzRange(Func):
    """PostgreSQL's half-open ``tstzrange(start, end, '[)')``, the expression the booking
    exclusion constraint and the span index are built on (so the planner can use them)."""

    function = "tstzrange"
    template = "%(function)s(%(expressions)s, '[)')"
    output_field = DateTimeRangeField()
