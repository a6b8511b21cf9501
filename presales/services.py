"""Writes of the organisation: people, roles and opportunities."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from presales import access
from presales.choices import PresalesStage, Role
from presales.exceptions import PermissionDenied, ValidationFailed
from presales.models import Customer, IdempotencyRecord, Opportunity, Region, RoleAssignment, Solution, User

# How long a retry with the same Idempotency-Key replays the first response. Clients retry
# within minutes; a day covers an overnight outage while keeping the table small.
IDEMPOTENCY_RECORD_MAX_AGE = dt.timedelta(hours=24)


@transaction.atomic
def user_upsert(
    *,
    username: str,
    display_name: str,
    roles: Iterable[str],
    regions: Iterable[Region],
    rank: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """Create or update a person with exactly these roles and regions.

    Admins also get Django's staff and superuser flags, so the admin site is theirs.
    Without a password the account cannot sign in until one is set.
    """
    roles = sorted(set(roles))
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationFailed(fields={"roles": [_("Unknown role: %s") % ", ".join(sorted(unknown))]})
    user = User.objects.filter(username=username).first() or User(username=username)
    user.display_name = display_name
    user.rank = rank
    user.email = email or user.email
    user.is_staff = user.is_superuser = access.grants_staff(roles)
    if password:
        user.set_password(password)
    elif not user.pk:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.regions.set(list(regions))
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        RoleAssignment.objects.get_or_create(user=user, role=role)
    user._role_codes = frozenset(roles)
    return user


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


def idempotency_records_prune(*, max_age: dt.timedelta = IDEMPOTENCY_RECORD_MAX_AGE) -> int:
    """Forget the responses to create requests older than ``max_age``; returns how many.

    After that a request with the same key is a new request. One DELETE: a record a request
    is inserting right now is young, so nothing here waits on it.
    """
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - max_age).delete()
    return deleted
