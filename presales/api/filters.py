"""FilterSets shared by the API and the pages (one place per filter)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from presales.api.fields import has_offset, restore_plus
from presales.models import Customer, Opportunity, Rate


class AwareIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with an offset, as AwareDateTimeField for query parameters."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00."),
    }

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            value = restore_plus(value.strip())
            if not has_offset(value):
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return super().to_python(value)


class AwareIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareIsoDateTimeField


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
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = Opportunity
        fields = ["region", "solution", "project_class", "stage", "owner", "customer"]
