"""Page forms for grab orders. Shape only: the services hold the rules."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.forms import LEVEL_CHOICES, RequestForm
from presales.inputs import BoundedDateField, IdField
from presales.models import Region, Skill

DEFAULT_UPLIFT = 50


class GrabOrderForm(RequestForm):
    # The work order this call fills; without one, posting opens a work order for it.
    work_order = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    skills = forms.ModelMultipleChoiceField(
        label=_("Required skills"),
        queryset=Skill.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_level = forms.TypedChoiceField(
        label=_("Minimum level"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    date = BoundedDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    uplift_percent = forms.IntegerField(
        label=_("Incentive uplift (%)"),
        initial=DEFAULT_UPLIFT,
        help_text=_("From 0 to 200. With 50 the engineer is credited 1.5× the hours and you pay 1.5×."),
    )
    scope_regions = forms.ModelMultipleChoiceField(
        label=_("Scope: regions"),
        queryset=Region.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every region."),
    )
    scope_grades = forms.MultipleChoiceField(
        label=_("Scope: grades"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every grade."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, opportunities, work_orders, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = opportunities
        self.fields["work_order"].queryset = work_orders
        self.fields["scope_grades"].choices = [(grade, grade) for grade in grades]

    def clean(self):
        data = super().clean()
        if all(data.get(name) is not None for name in ("date", "start_time", "end_time")):
            # Organisation time, as the schedule board shows it.
            zone = timezone.get_current_timezone()
            data["start"] = dt.datetime.combine(data["date"], data["start_time"], tzinfo=zone)
            data["end"] = dt.datetime.combine(data["date"], data["end_time"], tzinfo=zone)
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        names = (
            "work_order",
            "opportunity",
            "stage",
            "activity",
            "solution",
            "min_level",
            "start",
            "end",
            "uplift_percent",
            "note",
        )
        arguments = {name: data.get(name) for name in names}
        arguments["skills"] = list(data.get("skills") or [])
        arguments["scope_regions"] = list(data.get("scope_regions") or [])
        arguments["scope_grades"] = list(data.get("scope_grades") or [])
        return arguments


def initial_from_work_order(work_order) -> dict:
    """Pre-fill the form with the work order's requirements and desired window (organisation time).

    The form asks one level for every skill: the highest the work order asks, so everyone
    invited meets each of its skills."""
    zone = timezone.get_current_timezone()
    start, end = work_order.desired_start.astimezone(zone), work_order.desired_end.astimezone(zone)
    skills = list(work_order.skills.select_related("skill"))
    return {
        "work_order": work_order.pk,
        "opportunity": work_order.opportunity_id,
        "stage": work_order.stage,
        "activity": work_order.activity,
        "solution": work_order.solution.code,
        "skills": [row.skill.code for row in skills],
        "min_level": max((row.min_level for row in skills), default=None),
        "date": start.date(),
        "start_time": start.time(),
        "end_time": end.time() if end.date() == start.date() else None,
        "note": work_order.note,
    }


def initial_from_search(query, *, regions) -> dict:
    """Pre-fill the form from a search (or a monitoring alert's plan 1): the same parameter names
    as the find page, plus ``uplift_percent`` and ``wide=1`` (every region in scope)."""
    initial: dict = {"uplift_percent": query.get("uplift_percent") or DEFAULT_UPLIFT}
    for source, target in (
        ("opportunity", "opportunity"),
        ("solution", "solution"),
        ("min_level", "min_level"),
        ("free_date", "date"),
        ("free_start", "start_time"),
        ("free_end", "end_time"),
        ("stage", "stage"),
        ("activity", "activity"),
    ):
        if query.get(source):
            initial[target] = query[source]
    skills = query.getlist("skill") + query.getlist("skills")
    if skills:
        initial["skills"] = skills
    if query.get("wide"):
        initial["scope_regions"] = [region.code for region in regions]
    elif query.getlist("region"):
        initial["scope_regions"] = query.getlist("region")
    if query.getlist("grade"):
        initial["scope_grades"] = [grade for grade in query.getlist("grade") if grade]
    return initial


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    engineer = IdField(required=False, widget=forms.HiddenInput)
