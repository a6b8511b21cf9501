"""Filter building blocks shared by every app's FilterSets (the API and the pages alike): bounded and
aware datetimes, ids, strict booleans."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from presales.api.fields import has_offset, restore_plus
from presales.inputs import ID_SCHEMA, BoundedDateField, IdField, check_time


class BoundedIsoDateTimeField(IsoDateTimeField):
    """ISO 8601, organisation time without an offset (a page's datetime-local input), within
    the product's years and offsets; an unencoded "+" is forgiven."""

    def to_python(self, value):
        if isinstance(value, str):
            value = restore_plus(value.strip())
        return check_time(super().to_python(value))


class AwareIsoDateTimeField(BoundedIsoDateTimeField):
    """ISO 8601 with an offset, as AwareDateTimeField for query parameters."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00."),
    }

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not has_offset(restore_plus(value.strip())):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return super().to_python(value)


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class AwareIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareIsoDateTimeField


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.Filter):
    """An id in the query string: a whole number (``?owner=1.5`` is a 400, not owner 1)."""

    field_class = IdField


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, True/False) from a query string; empty is no filter. Anything else is
    a 400: Django's NullBooleanSelect reads junk such as ``eligible=false\x00x`` as "no filter",
    which silently answers another question than the one asked."""

    default_error_messages = {"invalid": _("Give true or false.")}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.VALUES[str(value).lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField
