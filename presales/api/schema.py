"""OpenAPI: every operation also documents the error bodies the server can answer with."""

import copy
from decimal import Decimal

from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from presales.core.errors import ErrorSerializer, ValidationErrorSerializer
from presales.inputs import ID_SCHEMA


class AutoSchema(openapi.AutoSchema):
    def resolve_serializer(self, serializer, direction, bypass_extensions=False):
        # drf-spectacular documents every PATCH body as partial, as DRF's partial_update reads
        # it; a PATCH action of our own (a rating's correction) validates its whole serializer,
        # so its schema keeps the required fields.
        if self.method == "PATCH" and getattr(serializer, "partial", False) and self.view.action != "partial_update":
            serializer = copy.copy(serializer)
            serializer.partial = False
        return super().resolve_serializer(serializer, direction, bypass_extensions)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and field.max_whole_digits and "pattern" in schema:
            schema["pattern"] = decimal_pattern(field)
        return schema

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
    match_subclasses = True  # RestrictedPrimaryKeyRelatedField takes the same ids

    def map_serializer_field(self, auto_schema, direction):
        return dict(ID_SCHEMA)


def decimal_pattern(field: serializers.DecimalField) -> str:
    """drf-spectacular's pattern for a decimal string (``^-?\\d{0,10}(?:\\.\\d{0,2})?$``) also
    matches "", "-" and "." and ignores ``min_value``; this one needs a digit, has no sign when the
    field takes no negatives, and no zero when it must be positive. (ASCII digits: ``\\d`` is not,
    for Python's regexes.)"""
    whole, places = field.max_whole_digits, field.decimal_places
    number = rf"(?:[0-9]{{1,{whole}}}(?:\.[0-9]{{0,{places}}})?|\.[0-9]{{1,{places}}})"
    if field.min_value is None or field.min_value < 0:
        return rf"^-?{number}$"
    return rf"^(?=[^1-9]*[1-9]){number}$" if field.min_value > 0 else rf"^{number}$"


class BoundedFilterExtension(DjangoFilterExtension):
    """django-filter's parameters with the bounds the filter enforces (``min_value``,
    ``max_value``, ``max_length``), which drf-spectacular leaves out, so that a client learns that
    ``min_level=9`` is out of range before the 400; and that an empty value is allowed."""

    priority = 1  # over drf-spectacular's own extension for the same backend

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        bounds = {
            "minimum": filter_field.extra.get("min_value"),
            "maximum": filter_field.extra.get("max_value"),
            "maxLength": filter_field.extra.get("max_length"),
        }
        for parameter in parameters:
            # An empty value (?region=, as a search form sends it) is no filter, as the pages
            # and django-filter read it; schemathesis took it for invalid input accepted. Not for
            # a repeatable filter, whose empty value is a choice that does not exist (a 400).
            if not parameter.get("required") and parameter["schema"].get("type") != "array":
                parameter["allowEmptyValue"] = True
            schema = parameter["schema"]
            schema = schema.get("items", schema)  # a repeatable filter bounds each value
            for keyword, bound in bounds.items():
                if bound is not None:
                    schema.setdefault(keyword, float(bound) if isinstance(bound, Decimal) else bound)
        return parameters
