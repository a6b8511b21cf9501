"""Reads of customers."""

from django.db.models import QuerySet

from presales.models import Customer, User


def customer_list(*, user: User) -> QuerySet[Customer]:
    """Customers are reference data: every signed-in user may read them."""
    if not user.is_authenticated:
        return Customer.objects.none()
    return Customer.objects.select_related("region")
