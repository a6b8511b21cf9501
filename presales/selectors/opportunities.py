"""Reads of opportunities, scoped to what the asking user may see."""

from django.db.models import QuerySet

from presales.models import Opportunity, User


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    """The opportunities ``user`` may see (``Opportunity.objects.restrict``) with what a row shows."""
    return Opportunity.objects.restrict(user).select_related("customer", "region", "solution", "owner")
