"""Who may reach which work orders, bookings, escalations and hotline requests: each model's
``restrict(user, action)`` (presales.core.restrict), built from presales.access predicates.

Anyone a rule leaves out answers 404 on the pages and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import Q

from presales import access
from presales.core.restrict import RestrictedQuerySet, Rule

if TYPE_CHECKING:  # the models module imports this one
    from dispatch.models import Booking, Escalation, HotlineRequest, WorkOrder  # noqa: F401 (quoted below)
    from presales.models import User


class WorkOrderQuerySet(RestrictedQuerySet["WorkOrder"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """A rep's own; a manager's regions'; a lead the A/B work of their centre's solution; an
        engineer those they hold a booking on; an admin all."""
        if access.is_admin(user):
            return None
        visible = Q(opportunity__owner=user)
        if access.is_manager(user):
            visible |= Q(opportunity__region__in=access.managed_regions(user))
        if access.is_lead(user):
            visible |= access.leads_centre_work_q(user, "opportunity")
        if access.is_engineer(user):
            # A subquery, not a join: a join would repeat the work order once per booking.
            bookings = self.model._meta.get_field("bookings").related_model._default_manager
            visible |= Q(pk__in=bookings.filter(engineer__user=user).values("work_order"))
        return visible


class BookingQuerySet(RestrictedQuerySet["Booking"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """A rep those on their opportunities, an engineer their own, a manager those in their
        regions, a lead the A/B work of their centre's solution, an admin all."""
        if access.is_admin(user):
            return None
        visible = Q(work_order__opportunity__owner=user) | Q(engineer__user=user)
        if access.is_manager(user):
            visible |= Q(work_order__opportunity__region__in=access.managed_regions(user))
        if access.is_lead(user):  # as opportunities: their centre's A/B work
            visible |= access.leads_centre_work_q(user, "work_order__opportunity")
        return visible


class EscalationQuerySet(RestrictedQuerySet["Escalation"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """A rep those on their opportunities, a manager those of their regions, a lead those
        of the solution whose delivery centre they lead, an admin all."""
        if access.is_admin(user):
            return None
        visible = Q(opportunity__owner=user) | Q(requested_by=user)
        if access.is_manager(user):
            visible |= Q(opportunity__region__in=access.managed_regions(user))
        if access.is_lead(user):
            visible |= access.leads_solution_q(user, "opportunity__solution")
        return visible

    def with_parties(self) -> EscalationQuerySet:
        """What a row shows: the opportunity with its region, solution and rep, and who asked
        and decided."""
        return self.select_related(
            "opportunity__region", "opportunity__solution", "opportunity__owner", "requested_by", "decided_by"
        )


class HotlineRequestQuerySet(RestrictedQuerySet["HotlineRequest"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """The rep their requests, the engineer those addressed to them, the lead their
        centre's, a manager their regions', an admin all."""
        if access.is_admin(user):
            return None
        visible = Q(requested_by=user) | Q(engineer__user=user)
        if access.is_lead(user):
            visible |= access.leads_solution_q(user)
        if access.is_manager(user):
            visible |= Q(work_order__opportunity__region__in=access.managed_regions(user))
        return visible

    def with_parties(self) -> HotlineRequestQuerySet:
        """What a row shows: the opportunity, the solution, the engineer and who asked and
        answered."""
        return self.select_related(
            "work_order__opportunity", "solution", "engineer__user", "requested_by", "answered_by"
        )
