import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a time without one is ambiguous and refused."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if isinstance(value, str) and not has_offset(value):
            self.fail("naive")
        return parsed


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
