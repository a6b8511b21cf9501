"""Writes of people and their roles and regions."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from presales import access
from presales.choices import Role
from presales.exceptions import ValidationFailed
from presales.models import Region, RoleAssignment, User


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
