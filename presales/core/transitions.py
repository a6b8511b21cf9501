"""Transition tables: for each stateful model, each action and the statuses it may start from
(and the status it leads to). Services enforce them (``require``), conditional updates take
their from-statuses from them (``sources``), pages show a button when ``allows`` says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from presales.exceptions import InvalidState

if TYPE_CHECKING:  # the stubs' name for a label that may still be a lazy translation
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Transition:
    """``sources``: the statuses the action starts from; ``target``: the status it leaves (None
    when the action keeps the status, as a question or a rating correction does); ``refusal``:
    the InvalidState message for any other status, or one message per status, else the
    table's."""

    sources: frozenset[str]
    target: str | None = None
    refusal: StrOrPromise | Mapping[str, StrOrPromise] | None = None

    def refusal_for(self, status: str) -> StrOrPromise | None:
        if isinstance(self.refusal, Mapping):
            return self.refusal.get(status)
        return self.refusal


def step(
    sources: Iterable[str],
    target: str | None = None,
    refusal: StrOrPromise | Mapping[str, StrOrPromise] | None = None,
) -> Transition:
    return Transition(frozenset(sources), target, refusal)


class Transitions:
    """One model's table; ``refusal`` may name the object's status as ``%(status)s`` (None:
    each step names its own)."""

    def __init__(self, refusal: StrOrPromise | None, steps: Mapping[str, Transition]) -> None:
        self.refusal = refusal
        self.steps = dict(steps)

    def _step(self, action: str) -> Transition:
        try:
            return self.steps[action]
        except KeyError:
            raise ValueError(f"unknown action {action!r}") from None

    def allows(self, action: str, status: str) -> bool:
        return status in self._step(action).sources

    def sources(self, action: str) -> tuple[str, ...]:
        """The from-statuses, in a stable order (for ``status__in`` filters)."""
        return tuple(sorted(self._step(action).sources))

    def target(self, action: str) -> str | None:
        return self._step(action).target

    def require(self, obj: Any, action: str) -> None:
        """Raise InvalidState unless ``obj``'s status allows ``action``."""
        self.require_status(action, obj.status, obj.get_status_display())

    def require_status(self, action: str, status: str, label: StrOrPromise) -> None:
        """``require`` for a status a model derives rather than stores (a work order's), shown
        as ``label``."""
        step = self._step(action)
        if status not in step.sources:
            message = step.refusal_for(status) or self.refusal
            raise InvalidState(None if message is None else str(message) % {"status": label})
