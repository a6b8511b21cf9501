"""Limits on list inputs: how many items a list may carry, and codes looked up all at once."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Every list the API takes (skills, scope regions and grades, repeated query parameters) holds
# at most this many items: a request's cost must not grow with what a client cares to send.
MAX_ITEMS = 50


class CodeListField(serializers.ListField):
    """Reference objects named by their codes, at most MAX_ITEMS, found in ONE query.

    DRF's ``SlugRelatedField(many=True)`` looks each code up on its own: a query per element.
    The objects come back in the order given; unknown codes are field errors, one per code.
    """

    default_error_messages = {"does_not_exist": _("Object with code={value} does not exist.")}

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        code_length = queryset.model._meta.get_field("code").max_length
        kwargs.setdefault("max_length", MAX_ITEMS)
        super().__init__(child=serializers.CharField(max_length=code_length), **kwargs)

    def to_internal_value(self, data):
        codes = super().to_internal_value(data)  # shape, length and each code's type first
        found = {obj.code: obj for obj in self.queryset.filter(code__in=set(codes))}
        missing = [code for code in dict.fromkeys(codes) if code not in found]
        if missing:
            raise serializers.ValidationError(
                [self.error_messages["does_not_exist"].format(value=code) for code in missing]
            )
        return [found[code] for code in codes]

    def to_representation(self, data):
        return [obj.code for obj in data.all()] if hasattr(data, "all") else [obj.code for obj in data]
