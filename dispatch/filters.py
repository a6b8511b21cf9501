"""FilterSets of dispatch's lists: the engineer search (the API's and the find page's), the booking
and work-order lists."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField, ModelMultipleChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dispatch.delay import Delay
from dispatch.forms import EngineerSearchForm, SkillLevelsField, WorkOrderFilterForm
from dispatch.models import Booking, BookingStatus, Engineer, WorkOrder
from dispatch.rules.ratings import SCORE_MAX, SCORE_MIN
from dispatch.selectors.bookings import dispatchable_opportunities
from dispatch.selectors.engineers import ORDERINGS, engineer_search
from dispatch.selectors.work_orders import work_order_list
from dispatch.work_order_status import WorkOrderStatus
from presales.api.filters import (
    AwareIsoDateTimeFilter,
    BoundedDateFilter,
    BoundedIsoDateTimeFilter,
    IdFilter,
    StrictBooleanFilter,
)
from presales.api.limits import MAX_ITEMS
from presales.inputs import ID_SCHEMA, NOT_AN_ID, as_id
from presales.models import Opportunity, Region, Skill, Solution
from presales.selectors.opportunities import opportunity_list


@extend_schema_field(OpenApiTypes.INT)
class LevelFilter(django_filters.NumberFilter):
    """A whole proficiency level, 1–5."""

    field_class = forms.IntegerField


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """A reference object named by its code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="code", **kwargs)


class LimitedModelMultipleChoiceField(ModelMultipleChoiceField):
    """At most MAX_ITEMS values: each skill is one more test in the search's SQL."""

    def clean(self, value):
        if value is not None and len(value) > MAX_ITEMS:
            raise forms.ValidationError(_("Give at most %(count)s values.") % {"count": MAX_ITEMS}, code="max_length")
        return super().clean(value)


@extend_schema_field(OpenApiTypes.STR)
class CodesFilter(django_filters.ModelMultipleChoiceFilter):
    """Reference objects named by their codes, the parameter repeated (at most MAX_ITEMS times)."""

    field_class = LimitedModelMultipleChoiceField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="code", **kwargs)


class IdChoiceField(ModelChoiceField):
    """A whole-number id, then the object it names among those offered."""

    def to_python(self, value):
        if value not in self.empty_values and as_id(value) is None:
            raise ValidationError(NOT_AN_ID, code="invalid")
        return super().to_python(value)


@extend_schema_field(ID_SCHEMA)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """An object named by its id."""

    field_class = IdChoiceField


def _visible_opportunities(request):
    if request is None:  # the schema generator
        return Opportunity.objects.none()
    return opportunity_list(user=request.user)


class EngineerFilter(django_filters.FilterSet):
    """Validates the search criteria; ``engineer_search`` applies them, scores and orders.

    Codes that name nothing are field errors (400), not an empty result, so that a typo in
    an integration shows up at once.
    """

    solution = CodeFilter(queryset=Solution.objects.all())
    # A raw schema, since drf-spectacular reads no help_text beside an extend_schema_field.
    skill = extend_schema_field(
        {"type": "string", "description": "Skill code; repeat for up to 50 skills, each held at min_level or above."}
    )(CodesFilter(queryset=Skill.objects.all()))
    min_level = LevelFilter(min_value=1, max_value=5)
    region = CodeFilter(queryset=Region.objects.all())
    grade = django_filters.CharFilter()
    resource_type = django_filters.CharFilter()
    min_rating = django_filters.NumberFilter(min_value=SCORE_MIN, max_value=SCORE_MAX, max_digits=3, decimal_places=2)
    free_from = AwareIsoDateTimeFilter(
        help_text=_("With free_to: only engineers free for the whole window, at most 31 days long.")
    )
    free_to = AwareIsoDateTimeFilter(
        help_text=_("End of the free window (exclusive), at most 31 days after free_from.")
    )
    opportunity = IdChoiceFilter(
        queryset=_visible_opportunities,
        help_text=_("Opportunity id: each engineer carries eligible and eligibility (tiered support) for it."),
    )
    eligible = StrictBooleanFilter(help_text=_("With opportunity: true keeps only the engineers eligible for it."))
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        empty_label=None,
        help_text=_("match (default), rate, -rating or name."),
    )

    class Meta:
        model = Engineer
        fields = []

    def search_criteria(self) -> dict:
        """The valid criteria as engineer_search's keyword arguments (the find page's too)."""
        data = self.form.cleaned_data
        return {
            "solution": data.get("solution"),
            "skills": list(data.get("skill") or ()),
            "min_level": data.get("min_level"),
            "region": data.get("region"),
            "grade": data.get("grade") or None,
            "resource_type": data.get("resource_type") or None,
            "min_rating": data.get("min_rating"),
            "free_from": data.get("free_from"),
            "free_to": data.get("free_to"),
            "ordering": data.get("ordering") or "match",
        }

    def filter_queryset(self, queryset):
        # The search is one selector (the pages use it too); the queryset handed in is only
        # the view's starting point for detail lookups and is replaced here.
        data = self.form.cleaned_data
        user = getattr(self.request, "user", None)
        preferred = list(user.regions.all()) if user is not None and user.is_authenticated else []
        return engineer_search(
            **self.search_criteria(),
            preferred_regions=preferred,
            opportunity=data.get("opportunity"),
            eligible_only=bool(data.get("opportunity")) and data.get("eligible") is True,
        )


def _dispatchable_opportunities(request):
    if request is None:
        return Opportunity.objects.none()
    return dispatchable_opportunities(user=request.user)


class SkillLevelsFilter(django_filters.Filter):
    field_class = SkillLevelsField


class EngineerPageFilter(EngineerFilter):
    """The find page's search: the API's criteria, parsed, bounded and worded once (EngineerFilter),
    shown by EngineerSearchForm, and the page's own inputs.

    The page asks for the free window as a day and two times in organisation time (its form
    builds free_from/free_to from them); it offers the opportunities the rep may book for, each
    engineer showing whether they are eligible (nobody is left out for it); and a search opened
    from a work order carries the board's week, the work order's skills each at its level, and
    the work order the bookings fill.
    """

    free_from = free_to = eligible = None
    free_date = BoundedDateFilter()
    free_start = django_filters.TimeFilter()
    free_end = django_filters.TimeFilter()
    opportunity = IdChoiceFilter(queryset=_dispatchable_opportunities)
    # The Monday of the week the board shows; week navigation changes only this.
    week = BoundedDateFilter()
    # The day of that week the board draws (default: the searched day, or today).
    day = BoundedDateFilter()
    skill_level = SkillLevelsFilter()
    work_order = IdFilter()

    class Meta(EngineerFilter.Meta):
        form = EngineerSearchForm

    def __init__(self, data, *, request, grades: list[str], resource_types: list[str]):
        super().__init__(data, request=request)
        self.form.offer(grades=grades, resource_types=resource_types)

    def search_criteria(self) -> dict:
        return super().search_criteria() | {"skill_levels": self.form.cleaned_data.get("skill_level") or []}


class BookingFilter(django_filters.FilterSet):
    """``from``/``to`` keep the bookings that overlap [from, to), as booking_list does."""

    opportunity = IdFilter(field_name="work_order__opportunity_id")
    work_order = IdFilter(field_name="work_order_id")
    engineer = IdFilter(field_name="engineer_id")
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    to = AwareIsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["opportunity", "work_order", "engineer", "status"]


# "from" is a Python keyword, so it cannot be declared in the class body.
BookingFilter.base_filters["from"] = AwareIsoDateTimeFilter(field_name="end", lookup_expr="gt")


class WorkOrderFilter(django_filters.FilterSet):
    """Validates the list's filters; ``work_order_list`` scopes to the caller and applies them.

    A status, delay, region or solution that names nothing is a 400 on that field, not an empty
    list; an empty value is no filter.
    """

    opportunity = IdFilter()
    status = django_filters.ChoiceFilter(choices=WorkOrderStatus.choices, help_text=_("Status at this moment."))
    region = CodeFilter(queryset=Region.objects.all())  # the opportunity's
    solution = CodeFilter(queryset=Solution.objects.all())  # the work order's
    delay = django_filters.ChoiceFilter(choices=Delay.choices, help_text=_("Delay at this moment."))

    class Meta:
        model = WorkOrder
        fields = []

    def filter_queryset(self, queryset):
        # The list is one selector (scoping, status and delay in SQL); the queryset handed in is
        # only the view's starting point for the schema and is replaced here.
        data = self.form.cleaned_data
        return work_order_list(
            user=self.request.user,
            opportunity=data.get("opportunity"),
            status=data.get("status") or None,
            region=data.get("region"),
            solution=data.get("solution"),
            delay=data.get("delay") or None,
        )


class WorkOrderPageFilter(WorkOrderFilter):
    """The work-order page's: the API's region and solution (parsed and worded once, in
    WorkOrderFilter), shown by WorkOrderFilterForm. Status is any of several, repeated (the
    dashboard links a cell's waiting demand: open or partially staffed), and desired_end_from
    is organisation time, as the page's datetime-local input sends it, without an offset."""

    opportunity = delay = None
    status = django_filters.MultipleChoiceFilter(choices=WorkOrderStatus.choices)
    desired_end_from = BoundedIsoDateTimeFilter()

    class Meta(WorkOrderFilter.Meta):
        form = WorkOrderFilterForm

    def search_criteria(self) -> dict:
        """The valid filters as work_order_list's keyword arguments; none when any is invalid."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.form.cleaned_data.items() if value}
