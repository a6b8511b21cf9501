"""``{% if order|allows:"cancel" %}``: a page shows an action's button when the model's
transition table allows it from the object's status (presales.core.transitions)."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def allows(obj: Any, action: str) -> bool:
    return obj.allows(action)
