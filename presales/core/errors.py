"""One exception handler: every API error is ``{"code", "detail"}`` (+ ``fields`` on 400)."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from presales.core.db import database_refusal
from presales.exceptions import ApplicationError, InUse, Overloaded

logger = logging.getLogger(__name__)

# DRF's own codes where the contract names them differently.
CODE_OVERRIDES = {
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.ParseError: "invalid",
}


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as ``{"scope.regions": [...], "skills.0.code": [...]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]} if messages else {}


def _validation_body(detail) -> dict:
    fields = flatten_field_errors(detail if isinstance(detail, (dict, list)) else [detail])
    first = next((msgs[0] for msgs in fields.values() if msgs), _("Invalid input."))
    return {"code": "invalid", "detail": first, "fields": fields}


def exception_handler(exc, context):
    refusal = database_refusal(exc)
    if refusal is not None:
        # A lock (409) or statement (503) timeout: contention or load, not a bug; the request's
        # transaction has rolled back, so nothing was written.
        if isinstance(refusal, Overloaded):
            logger.warning("Statement timeout on %s", context["request"].path)
        exc = refusal
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # Deleting a region, skill or customer that others still use: a conflict, not a crash.
        exc = InUse()
    if isinstance(exc, ApplicationError):
        if exc.code == "invalid":
            body = _validation_body(exc.fields or {"non_field_errors": [str(exc.message)]})
            if exc.message is not exc.default_message:  # a summary of its own; else the first field's
                body["detail"] = str(exc.message)
        else:
            body = {"code": exc.code, "detail": str(exc.message)}
        return with_retry_after(Response(body, status=exc.status), exc)
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() inside a service: same 400 as a serializer's.
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_validation_body(detail), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        response.data = _validation_body({"non_field_errors": [str(exc.detail)]})
    else:
        code = CODE_OVERRIDES.get(type(exc), exc.default_code)
        response.data = {"code": code, "detail": str(exc.detail)}
    return response


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def with_retry_after(response, error: ApplicationError):
    """``response``, telling the client when to retry where the refusal says so (busy, throttled)."""
    if getattr(error, "retry_after", None):
        response["Retry-After"] = str(error.retry_after)
    return response


def refusal_response(error: ApplicationError) -> JsonResponse:
    """An ApplicationError answered outside DRF (middleware, Django's error handlers)."""
    return with_retry_after(_api_error(error.code, error.message, error.status), error)


def _api_error(code: str, detail, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": str(detail)}, status=status)


# Django's error handlers (presales/urls.py): a URL under /api/ answers the API's error body
# whatever went wrong; pages get Django's HTML as before.


def bad_request(request, exception):
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
            return _api_error("too_large", _("The request body is larger than %(limit)s KB.") % {"limit": limit}, 413)
        return _api_error("invalid", _("Bad request."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        denied = exceptions.PermissionDenied()
        return _api_error(denied.default_code, denied.detail, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """A URL under /api/ that matches no route (``/bookings/abc/``) answers the API's error
    body, not the HTML page meant for people."""
    if is_api(request):
        not_found = exceptions.NotFound()
        return _api_error(not_found.default_code, not_found.detail, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """An unhandled exception: Django has already logged it with its traceback (django.request)."""
    if is_api(request):
        return _api_error("server_error", _("Something went wrong on our side; it has been logged."), 500)
    return defaults.server_error(request)


class ErrorSerializer(serializers.Serializer):
    """The error body, for the OpenAPI schema."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. not_found, budget_exceeded.")
    detail = serializers.CharField(help_text="Human-readable message in the request's language.")


class ValidationErrorSerializer(ErrorSerializer):
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field; nested fields use dotted paths.",
    )
