import datetime as dt
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Years the API accepts. Outside them a time is a typo, and it cannot be answered faithfully:
# before 1973 some time zones' offsets had seconds (Shanghai's local mean time, before 1901, was
# +08:05:43), and an RFC 3339 time, as the schema promises, cannot carry them.
PLAUSIBLE_YEARS = range(2000, 2100)
OUT_OF_RANGE = _("Give a time between the years 2000 and 2099.")


def is_plausible(value: dt.date) -> bool:
    return value.year in PLAUSIBLE_YEARS


class PlausibleDateField(serializers.DateField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not is_plausible(parsed):
            self.fail("out_of_range")
        return parsed


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a time without one is ambiguous and refused."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00."),
        "out_of_range": OUT_OF_RANGE,
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if isinstance(value, str) and not has_offset(value):
            self.fail("naive")
        if not is_plausible(parsed):
            self.fail("out_of_range")
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
