"""Query parameters of the monitoring API: codes for region and solution, as everywhere."""

import django_filters

from monitoring.models import Alert, AlertKind, AlertStatus, CellSnapshot
from presales.api.filters import BoundedDateFilter


class CellFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    solution = django_filters.CharFilter(field_name="solution__code")
    date = BoundedDateFilter(method="filter_date", help_text="The window ending at this date's midnight.")

    class Meta:
        model = CellSnapshot
        fields = ["region", "solution"]

    def filter_date(self, queryset, name, value):
        return queryset  # the view picks the window; declared here for validation and the schema


class AlertFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    solution = django_filters.CharFilter(field_name="solution__code")
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)

    class Meta:
        model = Alert
        fields = ["region", "solution", "kind", "status"]
