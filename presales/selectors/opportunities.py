"""Reads of opportunities, scoped to what the asking user may see."""

from django.db.models import Q, QuerySet

from presales import access
from presales.models import Opportunity, User


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    """Admins see all; managers their regions'; a delivery-centre lead the A/B work of the
    solution whose centre they lead; reps their own; engineers the opportunities they have
    worked on."""
    qs = Opportunity.objects.select_related("customer", "region", "solution", "owner")
    if not user.is_authenticated:
        return qs.none()
    if access.is_admin(user):
        return qs
    visible = Q(owner=user)
    if access.is_manager(user):
        visible |= Q(region__in=access.managed_regions(user))
    if access.is_lead(user):
        visible |= access.leads_centre_work_q(user)
    if access.is_engineer(user) and hasattr(Opportunity, "work_orders"):
        visible |= Q(work_orders__bookings__engineer__user=user)
    return qs.filter(visible).distinct()
