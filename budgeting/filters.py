"""FilterSets for budgets and their ledgers, shared by the API and the pages."""

import django_filters
from drf_spectacular.utils import extend_schema_field

from budgeting.models import Budget, LedgerEntry, LedgerKind
from presales.api.filters import AwareIsoDateTimeFilter, BoundedIsoDateTimeFilter, IdFilter, StrictBooleanFilter
from presales.periods import validate_quarter


class BudgetFilter(django_filters.FilterSet):
    # The schema gives the form (validate_quarter's), so clients do not learn it from a 400.
    period = extend_schema_field({"type": "string", "pattern": "^[0-9]{4}Q[1-4]$", "example": "2026Q2"})(
        django_filters.CharFilter(validators=[validate_quarter])
    )
    owner = IdFilter(field_name="owner_id")
    region = django_filters.CharFilter(field_name="owner__regions__code", distinct=True)

    class Meta:
        model = Budget
        fields = ["period", "owner", "region"]


class LedgerFilter(django_filters.FilterSet):
    """The API's: from/to with their UTC offsets, as every time the API takes."""

    kind = django_filters.MultipleChoiceFilter(choices=LedgerKind.choices)
    booking = IdFilter(field_name="booking_id")
    to = AwareIsoDateTimeFilter(field_name="at", lookup_expr="lt")
    flagged = StrictBooleanFilter(method="filter_flagged")

    class Meta:
        model = LedgerEntry
        fields = ["kind", "booking"]

    def filter_flagged(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overrun__gt=0) if value else queryset.filter(overrun=0)


# "from" is a Python keyword, so it cannot be declared in the class body.
LedgerFilter.base_filters["from"] = AwareIsoDateTimeFilter(field_name="at", lookup_expr="gte")


class LedgerPageFilter(LedgerFilter):
    """The pages': their datetime-local inputs send organisation time, without an offset."""

    to = BoundedIsoDateTimeFilter(field_name="at", lookup_expr="lt")


LedgerPageFilter.base_filters["from"] = BoundedIsoDateTimeFilter(field_name="at", lookup_expr="gte")
