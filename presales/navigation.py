"""Navigation per role: one table, read by the base layout and by the home redirect."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from presales.choices import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: tuple[str, ...]


NAV_ITEMS = (
    # Managers and leads search too (to borrow engineers); only reps book.
    NavItem("dispatch:find", _("Find engineers"), (Role.SALES, Role.MANAGER, Role.LEAD, Role.ADMIN)),
    # One list page: managers and admins read their regions' (all) work orders, reps their own.
    NavItem("dispatch:work_orders", _("Work orders"), (Role.MANAGER, Role.ADMIN)),
    NavItem("dispatch:work_orders", _("My work orders"), (Role.SALES,)),
    NavItem("dispatch:my-bookings", _("My bookings"), (Role.SALES,)),
    NavItem("presales:opportunities", _("Opportunities"), (Role.SALES, Role.MANAGER, Role.LEAD, Role.ADMIN)),
    NavItem("grabbing:mine", _("Grab orders"), (Role.SALES,)),
    # Tiered support: reps ask, regional managers decide, leads follow their centre's.
    NavItem("dispatch:escalations", _("Escalations"), (Role.SALES, Role.MANAGER, Role.LEAD, Role.ADMIN)),
    NavItem("dispatch:lead-work", _("Delivery centre work"), (Role.LEAD,)),
    NavItem("budgeting:mine", _("My budget"), (Role.SALES,)),
    NavItem("budgeting:team", _("Team budgets"), (Role.MANAGER, Role.ADMIN)),
    NavItem("dispatch:my-schedule", _("My schedule"), (Role.ENGINEER,)),
    NavItem("grabbing:invitations", _("Invitations"), (Role.ENGINEER,)),
    # Remote hotline: reps ask, the delivery centre's engineer on duty answers.
    NavItem("dispatch:hotline", _("Hotline"), (Role.SALES, Role.ENGINEER)),
    NavItem("monitoring:dashboard", _("Regional dashboard"), (Role.MANAGER, Role.LEAD, Role.ADMIN)),
)

# Where each role lands after signing in, in order of precedence.
HOME_BY_ROLE = (
    (Role.SALES, "dispatch:find"),
    (Role.ENGINEER, "dispatch:my-schedule"),
    (Role.MANAGER, "monitoring:dashboard"),
    (Role.LEAD, "monitoring:dashboard"),
    (Role.ADMIN, "monitoring:dashboard"),
)


def nav_items_for(user) -> list[NavItem]:
    """The user's items, each page once: the first item naming it wins (a rep who also
    manages sees "Work orders", the page listing their regions' as well as their own)."""
    if not user.is_authenticated:
        return []
    items: dict[str, NavItem] = {}
    for item in NAV_ITEMS:
        if user.has_role(*item.roles):
            items.setdefault(item.url_name, item)
    return list(items.values())


def home_url_for(user) -> str:
    for role, url_name in HOME_BY_ROLE:
        if user.has_role(role):
            return reverse(url_name)
    return reverse("presales:no-role")
