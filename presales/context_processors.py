"""Template context shared by every page: the signed-in user's navigation and roles."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from presales import access
from presales.feedback import take_typed
from presales.navigation import nav_items_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_url_name": None, "user_role_labels": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    items = [
        {
            "url_name": item.url_name,
            "url": reverse(item.url_name),
            "label": item.label,
            "active": item.url_name == current,
        }
        for item in nav_items_for(user)
    ]
    labels = access.role_labels(user)
    return {"nav_items": items, "current_url_name": current, "user_role_labels": labels}


def typed(request) -> dict:
    """``typed``: what a refused post kept (presales.feedback.keep_typed), taken only by a page
    that reads it, so a row's form can put back what was typed into it."""
    return {"typed": SimpleLazyObject(lambda: take_typed(request))}
