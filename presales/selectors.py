"""Reads of the organisation, scoped to what the asking user may see."""

from django.db.models import Q, QuerySet

from presales.choices import ProjectClass, Role
from presales.models import Customer, Opportunity, User


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    """Admins see all; managers their regions'; a delivery-centre lead the A/B work of the
    solution whose centre they lead; reps their own; engineers the opportunities they have
    worked on."""
    qs = Opportunity.objects.select_related("customer", "region", "solution", "owner")
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(Role.ADMIN):
        return qs
    visible = Q(owner=user)
    if user.has_role(Role.MANAGER):
        visible |= Q(region__in=user.regions.all())
    if user.has_role(Role.LEAD):
        # dispatch.DeliveryCentre, by its reverse name (presales does not import dispatch).
        visible |= Q(project_class__in=[ProjectClass.A, ProjectClass.B], solution__delivery_centre__lead=user)
    if user.has_role(Role.ENGINEER) and hasattr(Opportunity, "work_orders"):
        visible |= Q(work_orders__bookings__engineer__user=user)
    return qs.filter(visible).distinct()


def customer_list(*, user: User) -> QuerySet[Customer]:
    """Customers are reference data: every signed-in user may read them."""
    if not user.is_authenticated:
        return Customer.objects.none()
    return Customer.objects.select_related("region")
