from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a time without one is ambiguous and refused."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if isinstance(value, str) and not _has_offset(value):
            self.fail("naive")
        return parsed


def _has_offset(value: str) -> bool:
    time_part = value.partition("T")[2] or value.partition(" ")[2]
    return time_part.endswith(("Z", "z")) or "+" in time_part or "-" in time_part
