"""Who may reach which opportunities: ``Opportunity.objects.restrict(user, action)``
(presales.core.restrict), built from presales.access predicates. The later apps' scoped rows
(work orders, bookings, grab orders, …) follow the same rule through their opportunity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import Q

from presales.core.restrict import RestrictedQuerySet, Rule

if TYPE_CHECKING:  # the models module imports this one
    from presales.models import Opportunity, User  # noqa: F401 (quoted below)


class OpportunityQuerySet(RestrictedQuerySet["Opportunity"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """Admins all; managers their regions'; a delivery-centre lead the A/B work of the
        solution whose centre they lead; reps their own; engineers those they have worked on."""
        from presales import access  # access reads the models, which import this module

        if access.is_admin(user):
            return None
        visible = Q(owner=user)
        if access.is_manager(user):
            visible |= Q(region__in=access.managed_regions(user))
        if access.is_lead(user):
            visible |= access.leads_centre_work_q(user)
        if access.is_engineer(user) and hasattr(self.model, "work_orders"):
            # dispatch's work orders, by their reverse name (presales does not import dispatch);
            # a subquery, not a join, so an opportunity comes once however many bookings it has.
            worked = self.model.objects.filter(work_orders__bookings__engineer__user=user).values("pk")
            visible |= Q(pk__in=worked)
        return visible
