"""Database expressions the ORM lacks, written once for PostgreSQL and SQLite, and the
database's timeouts: which one a process runs with, and what a client sees when one strikes."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created
from django.db.models import FloatField, Func, Model, QuerySet

from presales.exceptions import ApplicationError, Busy, Overloaded

M = TypeVar("M", bound=Model)


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


# --- Timeouts -------------------------------------------------------------------------------
# PostgreSQL's SQLSTATEs for a lock not had within lock_timeout and a statement cancelled at
# statement_timeout (psycopg's LockNotAvailable and QueryCanceled).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"


def database_refusal(error: BaseException) -> ApplicationError | None:
    """A lock or statement timeout as the refusal a client sees (Busy 409, Overloaded 503);
    None for any other error, which stays a server error."""
    if not isinstance(error, OperationalError):
        return None
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    # SQLite has no lock_timeout: its busy timeout ends in "database is locked".
    if sqlstate == LOCK_NOT_AVAILABLE or "database is locked" in str(error):
        return Busy()
    if sqlstate == QUERY_CANCELED:
        return Overloaded()
    return None


@contextmanager
def timeouts_refused() -> Iterator[None]:
    """Raise a lock or statement timeout inside as its refusal (``database_refusal``).

    Around the row locks of services: a page that shows a service's refusals next to the form
    (keeping what was typed) then shows this one too; the API would map it either way.
    """
    try:
        yield
    except OperationalError as error:
        refusal = database_refusal(error)
        if refusal is None:
            raise
        raise refusal from error


def lock(rows: QuerySet[M], **lookup) -> M:
    """The one row of ``rows`` matching ``lookup``, locked until the transaction ends: every
    service locks through here. Its own table only (``of=self``: rows fetched with it through
    select_related stay unlocked); on SQLite the IMMEDIATE transaction already holds the write
    lock. A lock not had within lock_timeout is ``Busy`` (409 busy), whoever asks. Raises
    ``rows.model.DoesNotExist`` when no row matches."""
    with timeouts_refused():
        return rows.select_for_update(of=("self",)).get(**lookup)


def lock_if_any(rows: QuerySet[M], **lookup) -> M | None:
    """``lock``, or None when no row matches (a row about to be created)."""
    try:
        return lock(rows, **lookup)
    except rows.model.DoesNotExist:
        return None


def use_statement_timeout(setting: str) -> None:
    """From now on every PostgreSQL connection this process opens runs with the statement
    timeout named by ``setting`` (milliseconds, 0 = none) instead of the web requests' one.

    Celery workers and management commands call it at start (presales/celery.py, manage.py):
    their statements may run longer than a request may, but not forever.
    """

    def apply(connection, **kwargs) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(getattr(settings, setting))])

    connection_created.connect(apply, weak=False, dispatch_uid="presales.core.db.use_statement_timeout")
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            apply(connection)
