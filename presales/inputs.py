"""The input layer's rules: what a time, a date or an id must be before anything computes or
queries with it. One place for the API's fields (presales.api.fields), its query filters
(presales.api.filters) and the pages' forms, so that a value means the same through every door.

Outside these rules a value has no valid meaning here, and letting it through costs a 500 later:
PostgreSQL refuses an offset beyond ±15:59, Python overflows a datetime near year 9999 as soon as
a day is added or a time zone applied, and a database column truncates 1.9 to the id 1.
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Years the product accepts. Outside them a time is a typo, and it cannot be answered faithfully:
# before 1973 some time zones' offsets had seconds (Shanghai's local mean time, before 1901, was
# +08:05:43), and an RFC 3339 time, as the schema promises, cannot carry them. Judged on the time
# as written: with an offset of at most 14 hours, every conversion and every window of a few days
# stays far from the years Python cannot represent.
PLAUSIBLE_YEARS = range(2000, 2100)
OUT_OF_RANGE = _("Give a time between the years 2000 and 2099.")
# The offsets in use run from -12:00 to +14:00 (Kiribati).
MAX_OFFSET = dt.timedelta(hours=14)
OFFSET_OUT_OF_RANGE = _("Give a UTC offset between -14:00 and +14:00.")

# Ids are the primary keys of bigint columns: whole numbers from 1 up.
MIN_ID, MAX_ID = 1, 2**63 - 1
NOT_AN_ID = _("Give the id as a whole number.")
WHOLE_NUMBER = re.compile(r"[0-9]+")
# How the OpenAPI schema describes an id, in a body or a query string.
ID_SCHEMA = {"type": "integer", "minimum": MIN_ID, "maximum": MAX_ID}

TIME_ERRORS = {"out_of_range": OUT_OF_RANGE, "offset_out_of_range": OFFSET_OUT_OF_RANGE}


def is_plausible(value: dt.date) -> bool:
    return value.year in PLAUSIBLE_YEARS


def time_error(value: dt.date) -> str | None:
    """The code of the rule a date or time breaks (a key of TIME_ERRORS), or None."""
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_OFFSET:
            return "offset_out_of_range"
    return None if is_plausible(value) else "out_of_range"


def check_time(value):
    """``value`` if it keeps the rules, else a Django ValidationError (forms and filters)."""
    if value is not None:
        code = time_error(value)
        if code:
            raise ValidationError(TIME_ERRORS[code], code=code)
    return value


def as_id(value) -> int | None:
    """An id given as a JSON integer or a string of digits, else None: 1.9, "1.9", true, 1e3,
    "1.0" and numbers beyond a bigint are not ids, however a database would round them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value)
    else:
        return None
    return number if MIN_ID <= number <= MAX_ID else None


class IdField(forms.IntegerField):
    """An id in a form or a query string: a whole number, nothing rounded."""

    default_error_messages = {"invalid": NOT_AN_ID}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = as_id(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class BoundedDateField(forms.DateField):
    """A page's date, within the product's years."""

    def to_python(self, value):
        return check_time(super().to_python(value))


class BoundedDateTimeField(forms.DateTimeField):
    """A page's time: organisation time when it has no offset; years and offset as the API's."""

    def to_python(self, value):
        return check_time(super().to_python(value))
