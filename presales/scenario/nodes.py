"""The file's values with their paths: parsers and service calls that fail name the record
and field (``engineers[3].skills[1].code``)."""

from __future__ import annotations

import datetime as dt
import re
import sys
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from tqdm import tqdm

from presales.exceptions import ApplicationError, ValidationFailed

PROGRESS_MIN_RECORDS = 50
LOCAL_TIME = re.compile(r"^(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)$")
MISSING: Any = object()
M = TypeVar("M", bound=models.Model)


class ScenarioError(Exception):
    """A file that cannot be loaded; ``path`` names the record and field at fault."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class ScenarioContext:
    """What loaders share: the file's settings and the objects it defined, by kind and key."""

    password: str | None = None
    progress: bool = False
    timezone: str = ""
    as_of: dt.datetime | None = None
    objects: defaultdict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))

    def remember(self, kind: str, key: Any, obj: M) -> M:
        self.objects[kind][key] = obj
        return obj


class Node:
    """A value of the file and where it is, so every complaint names the record and field.

    A missing field is a node whose value is ``MISSING``: the parsers refuse it unless given a
    ``default``. Parsers raise ``ScenarioError``; ``guard`` maps services' refusals likewise.
    """

    def __init__(self, ctx: ScenarioContext, path: str, value: Any):
        self.ctx = ctx
        self.path = path
        self.value = value

    @property
    def missing(self) -> bool:
        return self.value is MISSING or self.value is None

    def error(self, message: str) -> ScenarioError:
        return ScenarioError(self.path, message)

    def __getitem__(self, name: str) -> Node:
        if not self.missing and not isinstance(self.value, dict):
            raise self.error(f"expected an object, got {_show(self.value)}")
        value = MISSING if self.missing else self.value.get(name, MISSING)
        return Node(self.ctx, f"{self.path}.{name}" if self.path else name, value)

    def at(self, dotted: str) -> Node:
        node = self
        for name in dotted.split("."):
            node = node[name]
        return node

    def only(self, names: Iterable[str], what: str) -> None:
        """Refuse keys outside ``names``: a misspelt field would otherwise be silently ignored."""
        if isinstance(self.value, dict):
            for name in self.value.keys() - set(names):
                raise self[name].error(f"unknown {what} {name!r}")

    def _default(self, default: Any) -> Any:
        if default is MISSING:
            raise self.error("required")
        return default

    def items(self, *, default: Any = MISSING) -> list[Node]:
        if self.missing:
            return self._default(default)
        if not isinstance(self.value, list):
            raise self.error(f"expected a list, got {_show(self.value)}")
        return [Node(self.ctx, f"{self.path}[{index}]", item) for index, item in enumerate(self.value)]

    def records(self) -> Iterable[Node]:
        """A section's records, behind a progress bar when long (tqdm hides it off a terminal)."""
        nodes = self.items()
        show = self.ctx.progress and len(nodes) >= PROGRESS_MIN_RECORDS
        return tqdm(nodes, desc=self.path, unit="rec", file=sys.stderr, leave=False, disable=None if show else True)

    def text(self, *, default: Any = MISSING) -> str:
        """A string, stripped; blank counts as absent, so it needs a ``default`` to be accepted."""
        if self.missing or (isinstance(self.value, str) and not self.value.strip() and default is not MISSING):
            return self._default(default)
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.error(f"expected a non-empty string, got {_show(self.value)}")
        return self.value.strip()

    def integer(self, *, minimum: int | None = None, maximum: int | None = None, default: Any = MISSING) -> int:
        if self.missing:
            return self._default(default)
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.error(f"expected a whole number, got {_show(self.value)}")
        if minimum is not None and self.value < minimum:
            raise self.error(f"{self.value} is below the minimum {minimum}")
        if maximum is not None and self.value > maximum:
            raise self.error(f"{self.value} is above the maximum {maximum}")
        return self.value

    def decimal(self, *, default: Any = MISSING) -> Decimal:
        """Exact decimals only: money and ratios are written as strings ("1250.00"), never floats."""
        if self.missing:
            return self._default(default)
        if isinstance(self.value, bool) or not isinstance(self.value, str | int):
            raise self.error(f'expected a decimal written as a string, e.g. "1250.00"; got {_show(self.value)}')
        try:
            number = Decimal(str(self.value).strip())
        except InvalidOperation:
            raise self.error(f"not a decimal number: {_show(self.value)}") from None
        if not number.is_finite():
            raise self.error(f"not a finite number: {_show(self.value)}")
        return number

    def choice(self, choices: type[models.TextChoices], what: str) -> str:
        value = self.text()
        if value not in choices.values:
            raise self.error(f"unknown {what} {value!r} (expected one of: {', '.join(choices.values)})")
        return value

    def moment(self, *, default: Any = MISSING) -> dt.datetime:
        """An ISO 8601 date-time with its UTC offset: a bare local time is ambiguous across zones."""
        value = self.text(default=default)
        if value is default:
            return value
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise self.error(f"not an ISO 8601 date-time: {value!r}") from None
        if moment.tzinfo is None:
            raise self.error(f"{value!r} has no UTC offset (write e.g. 2026-06-15T09:00:00+08:00)")
        return moment

    def local_time(self) -> dt.time:
        """A wall-clock "HH:MM" in the engineer's time zone."""
        match = LOCAL_TIME.match(self.text())
        if not match:
            raise self.error(f'expected a local time "HH:MM", got {_show(self.value)}')
        return dt.time(int(match["hour"]), int(match["minute"]))

    def time_zone(self) -> str:
        value = self.text()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise self.error(f"unknown time zone {value!r}") from None
        return value

    def ref(self, kind: str) -> Any:
        """An object this file defined earlier, e.g. the region of a customer."""
        key = self.text()
        try:
            return self.ctx.objects[kind][key]
        except KeyError:
            raise self.error(f"unknown {kind} {key!r}") from None

    def ensure_new(self, kind: str, key: Any, existing: models.QuerySet) -> None:
        """Refuse a key that the file repeats or that the database already holds."""
        shown = "/".join(key) if isinstance(key, tuple) else key
        if key in self.ctx.objects[kind]:
            raise self.error(f"{kind} {shown!r} appears twice in the file")
        if existing.exists():
            raise self.error(f"{kind} {shown!r} already exists")

    def create(self, model: type[M], **fields: Any) -> M:
        obj = model(**fields)
        with self.guard():
            obj.full_clean()
        obj.save()
        return obj

    @contextmanager
    def guard(self, *, blame: str | None = None, aliases: Mapping[str, str] | None = None) -> Iterator[None]:
        """Report a service's refusal at the field it names (model field names are file field
        names unless ``aliases`` says otherwise), or at ``blame`` when it names none."""
        try:
            yield
        except ValidationFailed as refusal:
            raise self._refusal(refusal.fields or {}, str(refusal.message), blame, aliases or {}) from refusal
        except ApplicationError as refusal:  # not allowed, not free, over budget …
            raise self._refusal({}, str(refusal.message), blame, aliases or {}) from refusal
        except ValidationError as refusal:
            fields = refusal.message_dict if hasattr(refusal, "error_dict") else {}
            raise self._refusal(fields, " ".join(refusal.messages), blame, aliases or {}) from refusal

    def _refusal(
        self, fields: Mapping[str, list], message: str, blame: str | None, aliases: Mapping[str, str]
    ) -> ScenarioError:
        named = [(name, messages) for name, messages in fields.items() if name != NON_FIELD_ERRORS]
        if named:
            name, messages = named[0]
            node, message = self.at(aliases.get(name, name)), " ".join(map(str, messages))
        else:
            node = self.at(blame) if blame else self
        note = "" if node.missing or isinstance(node.value, dict | list) else f" (got {_show(node.value)})"
        return node.error(f"{message}{note}")
