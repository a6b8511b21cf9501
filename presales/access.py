"""Who may see or act on what: every role rule of the product, in one place.

Views, selectors, services, permissions and navigation call these predicates instead of
reading roles themselves, so a rule changes here once (``test_access`` guards that).
Objects of later apps (bookings, engineers) are taken as arguments and compared by their
attributes: presales imports none of those apps.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet

from presales.choices import DELIVERY_CENTRE_CLASSES, Role
from presales.models import Opportunity, Region, Solution, User

if TYPE_CHECKING:  # the stubs' name for a label that may still be a lazy translation
    from django_stubs_ext import StrOrPromise

# --- Audiences: who a page, an API endpoint or a menu item is for --------------------------------

REPS: tuple[str, ...] = (Role.SALES,)
ENGINEERS: tuple[str, ...] = (Role.ENGINEER,)
LEADS: tuple[str, ...] = (Role.LEAD,)
MANAGERS_AND_ADMINS: tuple[str, ...] = (Role.MANAGER, Role.ADMIN)
REPS_AND_ADMINS: tuple[str, ...] = (Role.SALES, Role.ADMIN)
REPS_AND_ENGINEERS: tuple[str, ...] = (Role.SALES, Role.ENGINEER)
REPS_MANAGERS_AND_ADMINS: tuple[str, ...] = (Role.SALES, Role.MANAGER, Role.ADMIN)
# Who watches regions: the regional dashboard and its API.
WATCHERS: tuple[str, ...] = (Role.MANAGER, Role.LEAD, Role.ADMIN)
# Everyone working on opportunities: all roles but the engineer's.
OPPORTUNITY_ROLES: tuple[str, ...] = (Role.SALES, Role.MANAGER, Role.LEAD, Role.ADMIN)
ALL_ROLES: tuple[str, ...] = tuple(Role.values)


def has_any_role(user: Any, roles: Iterable[str]) -> bool:
    """Whether a signed-in ``user`` holds at least one of ``roles`` (an audience above)."""
    return bool(user is not None and user.is_authenticated and user.has_role(*roles))


def is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def is_manager(user: User) -> bool:
    return user.has_role(Role.MANAGER)


def is_lead(user: User) -> bool:
    """A delivery-centre lead (which centre: ``leads_solution``)."""
    return user.has_role(Role.LEAD)


def is_rep(user: User) -> bool:
    return user.has_role(Role.SALES)


def is_engineer(user: User) -> bool:
    return user.has_role(Role.ENGINEER)


def is_manager_or_admin(user: User) -> bool:
    """Decides escalations, links records, reads every work order and budget of their regions."""
    return user.has_role(Role.MANAGER, Role.ADMIN)


def grants_staff(roles: Iterable[str]) -> bool:
    """Whether an account holding ``roles`` gets Django's staff and superuser flags."""
    return Role.ADMIN in set(roles)


def role_labels(user: User) -> list["StrOrPromise"]:
    """The user's role names, in the order Role declares them (badges read the same everywhere)."""
    return [role.label for role in Role if role.value in user.role_codes]


# --- Regions -------------------------------------------------------------------------------------


def manages_region(user: User, region: Region | int) -> bool:
    """A manager of ``region`` (a Region or its pk)."""
    region_id = region.pk if isinstance(region, Model) else region
    return is_manager(user) and user.regions.filter(pk=region_id).exists()


def manages_region_or_admin(user: User, region: Region | int) -> bool:
    return is_admin(user) or manages_region(user, region)


def managed_regions(user: User) -> QuerySet[Region]:
    """SQL form of ``manages_region``: the regions ``user`` manages (none unless a manager)."""
    return user.regions.all() if is_manager(user) else Region.objects.none()


def watched_regions(user: User) -> QuerySet[Region]:
    """The regions whose figures (snapshots, utilisation, alerts) ``user`` watches: an admin
    all, anyone else their own."""
    return Region.objects.all() if is_admin(user) else user.regions.all()


def region_managers(region: Region) -> QuerySet[User]:
    """SQL form of ``manages_region`` the other way round: the managers of ``region``."""
    return User.objects.filter(role_assignments__role=Role.MANAGER, regions=region)


def manages_rep(user: User, rep: User) -> bool:
    """A manager of at least one of ``rep``'s regions (their budgets are the manager's to adjust)."""
    return is_manager(user) and rep.regions.filter(pk__in=user.regions.all()).exists()


# --- Opportunities and the work on them ----------------------------------------------------------


def owns_opportunity(user: User, opportunity: Opportunity) -> bool:
    """The rep of the opportunity: the one who books for it, escalates it, posts grab orders."""
    return opportunity.owner_id == user.pk


def owns_opportunity_or_admin(user: User, opportunity: Opportunity) -> bool:
    return owns_opportunity(user, opportunity) or is_admin(user)


def leads_solution(user: User, solution: Solution | int) -> bool:
    """The lead of the delivery centre of ``solution`` (a Solution or its pk)."""
    solution_id = solution.pk if isinstance(solution, Model) else solution
    # dispatch.DeliveryCentre, by its reverse name (presales does not import dispatch).
    return is_lead(user) and Solution.objects.filter(pk=solution_id, delivery_centre__lead=user).exists()


def leads_solution_q(user: User, via: str = "solution") -> Q:
    """SQL form of ``leads_solution`` for rows reaching their solution by ``via``; callers check
    ``is_lead`` first (the role is not in the row)."""
    return Q(**{f"{via}__delivery_centre__lead": user})


def leads_centre_work(user: User, opportunity: Opportunity) -> bool:
    """The opportunity is class A/B work of a solution whose delivery centre ``user`` leads."""
    return opportunity.project_class in DELIVERY_CENTRE_CLASSES and leads_solution(user, opportunity.solution_id)


def leads_centre_work_q(user: User, opportunity: str = "") -> Q:
    """SQL form of ``leads_centre_work`` for rows reaching their opportunity by ``opportunity``
    (empty: the opportunity itself); callers check ``is_lead`` first."""
    prefix = f"{opportunity}__" if opportunity else ""
    return Q(**{f"{prefix}project_class__in": DELIVERY_CENTRE_CLASSES}) & leads_solution_q(user, f"{prefix}solution")


def is_engineer_user(user: User, engineer: Any) -> bool:
    """Whether ``engineer`` (a dispatch.Engineer) is ``user``'s own engineer record."""
    return engineer.user_id == user.pk


def is_booked_engineer(user: User, booking: Any) -> bool:
    """Whether ``user`` is the engineer booked on ``booking`` (a dispatch.Booking)."""
    return is_engineer_user(user, booking.engineer)
