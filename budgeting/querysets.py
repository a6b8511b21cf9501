"""Who may reach which budgets: ``restrict(user, action)`` (presales.core.restrict), built from
presales.access predicates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import Q

from presales import access
from presales.core.restrict import RestrictedQuerySet, Rule
from presales.models import User

if TYPE_CHECKING:  # the models module imports this one
    from budgeting.models import Budget  # noqa: F401 (quoted below)


class BudgetQuerySet(RestrictedQuerySet["Budget"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """A rep their own budgets; a manager their regions' reps'; an admin all."""
        if access.is_admin(user):
            return None
        visible = Q(owner=user)
        if access.is_manager(user):
            # A subquery, not a join: a rep in two of the manager's regions comes once.
            visible |= Q(owner__in=User.objects.filter(regions__in=access.managed_regions(user)))
        return visible
