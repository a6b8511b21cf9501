"""Navigation per role: one table, read by the base layout and by the home redirect."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from presales import access


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: tuple[str, ...]


NAV_ITEMS = (
    # Managers and leads search too (to borrow engineers); only reps book.
    NavItem("dispatch:find", _("Find engineers"), access.OPPORTUNITY_ROLES),
    # One list page: managers and admins read their regions' (all) work orders, reps their own.
    NavItem("dispatch:work_orders", _("Work orders"), access.MANAGERS_AND_ADMINS),
    NavItem("dispatch:work_orders", _("My work orders"), access.REPS),
    NavItem("dispatch:my-bookings", _("My bookings"), access.REPS),
    NavItem("presales:opportunities", _("Opportunities"), access.OPPORTUNITY_ROLES),
    NavItem("grabbing:mine", _("Grab orders"), access.REPS),
    # Tiered support: reps ask, regional managers decide, leads follow their centre's.
    NavItem("dispatch:escalations", _("Escalations"), access.OPPORTUNITY_ROLES),
    NavItem("dispatch:lead-work", _("Delivery centre work"), access.LEADS),
    NavItem("budgeting:mine", _("My budget"), access.REPS),
    NavItem("budgeting:team", _("Team budgets"), access.MANAGERS_AND_ADMINS),
    NavItem("dispatch:my-schedule", _("My schedule"), access.ENGINEERS),
    NavItem("grabbing:invitations", _("Invitations"), access.ENGINEERS),
    # Remote hotline: reps ask, the delivery centre's engineer on duty answers.
    NavItem("dispatch:hotline", _("Hotline"), access.REPS_AND_ENGINEERS),
    NavItem("monitoring:dashboard", _("Regional dashboard"), access.WATCHERS),
)

# Where each role lands after signing in, in order of precedence.
HOME_BY_ROLE = (
    (access.is_rep, "dispatch:find"),
    (access.is_engineer, "dispatch:my-schedule"),
    (access.is_manager, "monitoring:dashboard"),
    (access.is_lead, "monitoring:dashboard"),
    (access.is_admin, "monitoring:dashboard"),
)


def nav_items_for(user) -> list[NavItem]:
    """The user's items, each page once: the first item naming it wins (a rep who also
    manages sees "Work orders", the page listing their regions' as well as their own)."""
    if not user.is_authenticated:
        return []
    items: dict[str, NavItem] = {}
    for item in NAV_ITEMS:
        if access.has_any_role(user, item.roles):
            items.setdefault(item.url_name, item)
    return list(items.values())


def home_url_for(user) -> str:
    for holds_role, url_name in HOME_BY_ROLE:
        if holds_role(user):
            return reverse(url_name)
    return reverse("presales:no-role")
