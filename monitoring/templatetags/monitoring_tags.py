"""Filters of the dashboard pages."""

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def percent(ratio: Decimal | float | None) -> SafeString | str:
    """A 0–1 ratio as a whole percentage ("50%"), or a muted dash when there is none. A filter,
    not an include: the dashboard shows a few hundred of them per render."""
    if ratio is None:
        return mark_safe('<span class="muted">—</span>')  # nosec B308  # a constant, no input
    return f"{round(Decimal(ratio) * 100)}%"
