"""The grab-order list's filters (API); the selector scopes to the user first."""

import django_filters

from grabbing.models import GrabOrder, GrabOrderStatus
from presales.api.filters import IdFilter


class GrabOrderFilter(django_filters.FilterSet):
    opportunity = IdFilter(field_name="opportunity_id")
    status = django_filters.MultipleChoiceFilter(choices=GrabOrderStatus.choices)

    class Meta:
        model = GrabOrder
        fields = ["opportunity", "status"]
