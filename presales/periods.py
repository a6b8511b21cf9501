"""Quarters (``2026Q2``): the period of budgets, targets and attainment."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

QUARTER_RE = re.compile(r"^(?P<year>\d{4})Q(?P<q>[1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, value: str) -> Quarter:
        match = QUARTER_RE.match(value or "")
        if not match:
            raise ValueError(f"not a quarter (expected e.g. 2026Q2): {value!r}")
        return cls(int(match["year"]), int(match["q"]))

    @classmethod
    def of(cls, moment: dt.datetime, tz: str | None = None) -> Quarter:
        """The quarter a moment falls in, on the organisation's calendar."""
        local = moment.astimezone(zoneinfo.ZoneInfo(tz or settings.TIME_ZONE))
        return cls(local.year, (local.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def start(self, tz: str | None = None) -> dt.datetime:
        return dt.datetime(self.year, 3 * self.q - 2, 1, tzinfo=zoneinfo.ZoneInfo(tz or settings.TIME_ZONE))

    def end(self, tz: str | None = None) -> dt.datetime:
        """The first moment after the quarter (half-open end)."""
        return self.next.start(tz)


def validate_quarter(value: str) -> None:
    try:
        Quarter.parse(value)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a quarter; use the form 2026Q2."), params={"value": value}, code="invalid"
        ) from None
