"""``restrict(user, action)``: one queryset method per scoped model says who may see or act on
which rows, in the spirit of NetBox's RestrictedQuerySet.

Each model's queryset names its actions and, for each, the condition a row must meet for the
user, built from the predicates of ``presales.access``; selectors, services, views, API
viewsets and serializers all start from ``Model.objects.restrict(user[, action])``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar

from django.db.models import Model, Q, QuerySet

_M = TypeVar("_M", bound=Model)

# A rule: the condition a row meets for ``user``, or None when the user may reach every row.
Rule = Callable[[Any], "Q | None"]


class RestrictedQuerySet(QuerySet[_M]):
    """A queryset whose ``restrict`` keeps the rows ``user`` may reach for ``action``."""

    def rules(self) -> Mapping[str, Rule]:
        """The actions this model knows, each with its rule; subclasses name theirs."""
        raise NotImplementedError

    def restrict(self, user: Any, action: str = "view") -> Self:
        rule = self.rules().get(action)
        if rule is None:
            raise ValueError(f"{self.model.__name__} has no access rule for {action!r}")
        if user is None or not user.is_authenticated:
            return self.none()
        condition = rule(user)
        return self if condition is None else self.filter(condition)
