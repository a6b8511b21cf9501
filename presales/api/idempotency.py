"""``Idempotency-Key`` on creating POSTs: a retried request returns the first response.

The record is inserted in the same transaction as the object it describes, so two
concurrent requests with one key cannot both create: the unique constraint makes the
second wait for the first, then replay its response.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from presales.exceptions import IdempotencyKeyReused
from presales.models import IdempotencyRecord

HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retrying with the same key and body returns the first response and creates nothing new.",
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


def idempotent(request: Request, produce: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if not key or not request.user.is_authenticated:
        return produce()
    fingerprint = _fingerprint(request)
    existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if existing:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=request.user,
                key=key[:255],
                method=request.method,
                path=request.path[:500],
                fingerprint=fingerprint,
                response_status=0,
            )
            response = produce()
            if not 200 <= response.status_code < 300:
                raise _NotStored(response)
            record.response_status = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or "null")
            record.save(update_fields=["response_status", "response_body"])
            return response
    except _NotStored as not_stored:
        return not_stored.response
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
