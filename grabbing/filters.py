"""The grab-order list's filters (API); the selector scopes to the user first."""

import django_filters

from grabbing.models import GrabOrder, GrabOrderStatus


class GrabOrderFilter(django_filters.FilterSet):
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")
    status = django_filters.MultipleChoiceFilter(choices=GrabOrderStatus.choices)

    class Meta:
        model = GrabOrder
        fields = ["opportunity", "status"]
