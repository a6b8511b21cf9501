import re

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from presales.inputs import NOT_AN_ID, TIME_ERRORS, as_id, time_error


class PlausibleDateField(serializers.DateField):
    default_error_messages = TIME_ERRORS

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        code = time_error(parsed)
        if code:
            self.fail(code)
        return parsed


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a time without one is ambiguous and refused."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00."),
        **TIME_ERRORS,
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if isinstance(value, str) and not has_offset(value):
            self.fail("naive")
        return parsed

    def enforce_timezone(self, value):
        # The time as parsed, before DRF converts it: its offset and its year as written.
        code = time_error(value)
        if code:
            self.fail(code)
        return super().enforce_timezone(value)


def has_offset(value: str) -> bool:
    """Whether an ISO 8601 time string carries a UTC offset (or Z)."""
    time_part = value.partition("T")[2] or value.partition(" ")[2]
    return time_part.endswith(("Z", "z")) or "+" in time_part or "-" in time_part


# "…T13:30:00 08:00": a "+" sent unencoded in a query string arrives as a space.
UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def restore_plus(value: str) -> str:
    """Put back the "+" of an offset that a query string turned into a space."""
    return UNENCODED_PLUS.sub(r"\1+\2", value)


class AwareQueryDateTimeField(AwareDateTimeField):
    """AwareDateTimeField for query parameters, forgiving an unencoded "+" in the offset."""

    def to_internal_value(self, value):
        return super().to_internal_value(restore_plus(value.strip()) if isinstance(value, str) else value)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object named by its id: a whole number, never rounded (``1.9`` is not engineer 1)."""

    default_error_messages = {"not_an_id": NOT_AN_ID}

    def to_internal_value(self, data):
        number = as_id(data)
        if number is None:
            self.fail("not_an_id")
        return super().to_internal_value(number)


class RestrictedPrimaryKeyRelatedField(StrictPrimaryKeyRelatedField):
    """A row the requesting user may see, by id (``queryset``'s ``restrict``): any other id is
    "does not exist", as an unknown one is, so a body cannot learn or reach another's rows."""

    def get_queryset(self):
        request = self.context.get("request")
        return super().get_queryset().restrict(getattr(request, "user", None))


class CodeRelatedField(serializers.SlugRelatedField):
    """An object named by its code. A NUL cannot be in any code, and PostgreSQL refuses it in a
    query: refused before the lookup, with Django's message."""

    default_error_messages = {"null_characters": ProhibitNullCharactersValidator.message}

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)
