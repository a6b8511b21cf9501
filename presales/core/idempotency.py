"""``Idempotency-Key`` on creating POSTs: a retried request returns the first response.

The record is inserted in the same transaction as the object it describes, so two
concurrent requests with one key cannot both create: the unique constraint makes the
second wait for the first, then replay its response. A second that waits longer than the
database lets it (PostgreSQL's lock_timeout, SQLite's busy timeout on the write lock) is a
409 ``idempotency_key_in_use`` with ``Retry-After``; the retry then replays the first.

A key is 1 to 255 printable ASCII characters (what the IETF draft's sf-string allows),
not only spaces; any other key is a 400 naming the ``Idempotency-Key`` field, checked
before anything is written. Records are kept 24 hours (``idempotency_records_prune``).
"""

import hashlib
import json
import re
from collections.abc import Callable

from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from presales.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationFailed
from presales.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length
# Printable ASCII with at least one visible character. The column is the limit: a longer key
# stored cut short but looked up whole would make its retry a 500, and the cut prefix would
# block every other key sharing it. Control characters (NUL is a 500 on PostgreSQL) and
# blank keys have no meaning as a key either.
PATTERN = r"^[ -~]*[!-~][ -~]*$"
_VALID = re.compile(PATTERN)
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Retrying with the same key and body returns the first response and creates nothing new "
        f"(for 24 hours). 1 to {MAX_LENGTH} printable ASCII characters, else 400 on the "
        "Idempotency-Key field. 409 idempotency_key_reused: the key was used with another body; "
        "409 idempotency_key_in_use (with Retry-After): a request with this key is still running."
    ),
)


class _NotStored(Exception):
    """Carries an unsuccessful response out of the transaction, rolling it back."""

    def __init__(self, response: Response):
        self.response = response


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def _check(key: str) -> None:
    if len(key) > MAX_LENGTH or not _VALID.match(key):
        message = _("An Idempotency-Key is 1 to %(limit)d printable ASCII characters, not only spaces.") % {
            "limit": MAX_LENGTH
        }
        raise ValidationFailed(message, fields={HEADER: [message]})


def idempotent(request: Request, produce: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return produce()
    # An empty header is refused, not read as "no key": the client meant its retry to be safe.
    _check(key)
    fingerprint = _fingerprint(request)
    existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if existing:
        return _replay(existing, fingerprint)
    claimed = False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path[:500],
                fingerprint=fingerprint,
                response_status=0,
            )
            claimed = True
            response = produce()
            if not 200 <= response.status_code < 300:
                raise _NotStored(response)
            record.response_status = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or "null")
            record.save(update_fields=["response_status", "response_body"])
            return response
    except _NotStored as not_stored:
        return not_stored.response
    except OperationalError as error:
        if claimed:  # the work itself failed (its own lock timeout): not about the key
            raise
        # Waiting for the key: on PostgreSQL the insert waits on the first request's
        # uncommitted row until lock_timeout; on SQLite the IMMEDIATE transaction's BEGIN waits
        # for the write lock the first one holds until the busy timeout.
        raise IdempotencyKeyInUse() from error
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
