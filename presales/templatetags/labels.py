"""``{{ engineer.resource_type|resource_type }}``: a resource type's translated label, not its code."""

from django import template

from presales.choices import resource_type_label

register = template.Library()


@register.filter(name="resource_type")
def resource_type(code: str) -> str:
    return resource_type_label(code) if code else ""
