import re
from functools import partial

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from presales.core.pagination import RankedPaginator

WHOLE_NUMBER = re.compile(r"[0-9]+")


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self._check_query(request)
        return super().paginate_queryset(queryset, request, view)

    def _check_query(self, request) -> None:
        """``page`` (or ``last``) and ``page_size`` are whole numbers from 1, as the schema says.
        DRF would read ``?page_size=ten`` as the default size and ``?page=`` as the first page, so
        a typo went unnoticed; a page size above the maximum is still cut to it."""
        errors = {}
        for name in (self.page_query_param, self.page_size_query_param):
            values = request.query_params.getlist(name)
            if values and not (len(values) == 1 and self._is_valid(name, values[0])):
                errors[name] = [_("Give one whole number, 1 or more.")]
        if errors:
            raise ValidationError(errors)

    def _is_valid(self, name: str, value: str) -> bool:
        if name == self.page_query_param and value in self.last_page_strings:
            return True
        return bool(WHOLE_NUMBER.fullmatch(value)) and int(value) >= 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {
                    "oneOf": [
                        {"type": "integer", "minimum": 1},
                        {"type": "string", "enum": list(self.last_page_strings)},
                    ]
                }
            else:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class RankedPagination(PageNumberPagination):
    """Page numbers over a ranked search; the view's ``load_page(keys)`` fetches a page's objects."""

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = partial(RankedPaginator, load=view.load_page)
        return super().paginate_queryset(queryset, request, view)
