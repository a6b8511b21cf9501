"""FilterSets of the organisation's lists: rates, customers, opportunities."""

import django_filters

from presales.api.filters import IdFilter
from presales.models import Customer, Opportunity, Rate


class RateFilter(django_filters.FilterSet):
    class Meta:
        model = Rate
        fields = ["resource_type", "grade"]


class CustomerFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Customer
        fields = ["tier", "region"]


class OpportunityFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    solution = django_filters.CharFilter(field_name="solution__code")
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Opportunity
        fields = ["region", "solution", "project_class", "stage", "owner", "customer"]
