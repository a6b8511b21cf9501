"""OpenAPI: every operation also documents the error bodies the server can answer with."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework.permissions import AllowAny

from presales.api.errors import ErrorSerializer, ValidationErrorSerializer
from presales.inputs import ID_SCHEMA


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        paginated = self._is_list_view() and self._get_paginator() is not None
        errors = {"429": ErrorSerializer}
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view() or self._has_query_parameters():
            errors["400"] = ValidationErrorSerializer
        if getattr(self.view, "lookup_field", "pk") != "pk" and "{" in self.path:
            errors["400"] = ValidationErrorSerializer  # a code that no code can be (a NUL in it)
        if not public:
            errors["401"] = ErrorSerializer
            errors["403"] = ErrorSerializer
        if "{" in self.path or paginated:  # a page past the last one is a 404 (DRF's pagination)
            errors["404"] = ErrorSerializer
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = ErrorSerializer
        if self.method in ("POST", "PUT", "PATCH"):
            errors["413"] = ErrorSerializer  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE (1 MB)
            errors["415"] = ErrorSerializer  # a body that is not JSON
        errors["503"] = ErrorSerializer  # a statement cut at the statement timeout: busy, Retry-After
        for status, serializer in errors.items():
            responses.setdefault(status, self._get_response_for_code(serializer, status, direction=direction))
        return responses

    def _has_query_parameters(self) -> bool:
        # A query parameter the view validates (a schedule's from/to) can be refused with a 400.
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())


class StrictPrimaryKeyExtension(OpenApiSerializerFieldExtension):
    """An id in a body is what the server takes: a whole number in a bigint's range."""

    target_class = "presales.api.fields.StrictPrimaryKeyRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        return dict(ID_SCHEMA)
