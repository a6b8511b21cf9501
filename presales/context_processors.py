"""Template context shared by every page: the signed-in user's navigation and roles."""

from django.urls import reverse

from presales import access
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
