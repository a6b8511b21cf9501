"""Writes of opportunities."""

from django.db import transaction
from django.utils.translation import gettext as _

from presales import access
from presales.choices import PresalesStage
from presales.exceptions import PermissionDenied, ValidationFailed
from presales.models import Customer, Opportunity, Region, Solution, User


@transaction.atomic
def opportunity_create(
    *,
    owner: User,
    name: str,
    customer: Customer,
    region: Region,
    solution: Solution,
    project_class: str,
    stage: str = PresalesStage.QUALIFICATION,
    key: str | None = None,
) -> Opportunity:
    """A rep opens an opportunity in one of their own regions; they are its owner."""
    if not access.is_rep(owner):
        raise PermissionDenied(_("Only sales reps own opportunities."))
    if not owner.regions.filter(pk=region.pk).exists():
        raise ValidationFailed(fields={"region": [_("You do not cover region %s.") % region.code]})
    opportunity = Opportunity(
        key=key,
        name=name,
        customer=customer,
        region=region,
        solution=solution,
        project_class=project_class,
        stage=stage,
        owner=owner,
    )
    opportunity.full_clean()
    opportunity.save()
    return opportunity
