"""One exception handler: every API error is ``{"code", "detail"}`` (+ ``fields`` on 400)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from presales.exceptions import ApplicationError, InUse

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
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # Deleting a region, skill or customer that others still use: a conflict, not a crash.
        exc = InUse()
    if isinstance(exc, ApplicationError):
        if exc.code == "invalid":
            body = _validation_body(exc.fields or {"non_field_errors": [str(exc.message)]})
            body["detail"] = str(exc.message)
        else:
            body = {"code": exc.code, "detail": str(exc.message)}
        response = Response(body, status=exc.status)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
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


def page_not_found(request, exception):
    """Django's 404 handler: a URL under /api/ that matches no route (``/bookings/abc/``) answers
    the API's error body, not the HTML page meant for people."""
    if request.path.startswith("/api/"):
        not_found = exceptions.NotFound()
        return JsonResponse({"code": not_found.default_code, "detail": str(not_found.detail)}, status=404)
    return defaults.page_not_found(request, exception)


class ErrorSerializer(serializers.Serializer):
    """The error body, for the OpenAPI schema."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. not_found, budget_exceeded.")
    detail = serializers.CharField(help_text="Human-readable message in the request's language.")


class ValidationErrorSerializer(ErrorSerializer):
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field; nested fields use dotted paths.",
    )
