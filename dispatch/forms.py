"""Page forms for dispatch. Shape only: the selectors and services hold the rules."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import MAX_ENGINEERS_NEEDED, Engineer
from dispatch.rules.ratings import SCORES
from dispatch.selectors.engineers import ORDERINGS, check_free_window
from dispatch.services.work_orders import MAX_SKILLS
from presales.choices import DISPATCHABLE_STAGES, Activity, PresalesStage, resource_type_label
from presales.exceptions import ValidationFailed
from presales.inputs import BoundedDateField, BoundedDateTimeField
from presales.models import Skill, Solution

LEVEL_CHOICES = [("", _("Any level"))] + [(str(level), str(level)) for level in range(1, 6)]
ORDERING_LABELS = {
    "match": _("Best match"),
    "rate": _("Lowest rate"),
    "-rating": _("Best rated"),
    "name": _("Name"),
}
LENGTH_CHOICES = [(str(hours), str(hours)) for hours in (1, 2, 3, 4, 6, 8)]
REQUIRED_LEVEL_CHOICES = [(str(level), str(level)) for level in range(1, 6)]
STAGE_CHOICES = [(s.value, s.label) for s in PresalesStage if s in DISPATCHABLE_STAGES]
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # a datetime-local input's value: organisation time, no offset


def local_datetime_field(label, **kwargs) -> BoundedDateTimeField:
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE)
    return BoundedDateTimeField(label=label, widget=widget, **kwargs)


class SkillLevelsField(forms.Field):
    """Skills each with its own minimum level, as repeated ``code:level`` values in a query
    string (``skill_level=k8s:4&skill_level=sql:2``); cleaned to [(Skill, level)]."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Give each required skill as code:level, the level 1 to 5."),
        "unknown": _("Unknown skill: %(code)s."),
        "too_many": _("At most %(max)s skills."),
    }

    def prepare_value(self, value):
        return [f"{item[0].code}:{item[1]}" if isinstance(item, tuple) else item for item in value or ()]

    def to_python(self, value) -> list[tuple[Skill, int]]:
        items = [str(item) for item in (value or ()) if str(item).strip()]
        if len(items) > MAX_SKILLS:
            raise forms.ValidationError(self.error_messages["too_many"], params={"max": MAX_SKILLS})
        wanted: dict[str, int] = {}
        for item in items:
            code, _sep, level = item.strip().rpartition(":")
            if not code or level not in {"1", "2", "3", "4", "5"}:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            wanted[code] = max(wanted.get(code, 0), int(level))
        skills = {skill.code: skill for skill in Skill.objects.filter(code__in=wanted)}
        for code in wanted:
            if code not in skills:
                raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        return [(skills[code], level) for code, level in wanted.items()]


class OneOfMany(forms.Select):
    """One choice, for a parameter the search takes repeated (``skill``): read as the list the
    query string gives, the empty option ("Any") giving none."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value not in (None, "")]

    def format_value(self, value):
        return super().format_value(value) or [""]


class EngineerSearchForm(forms.Form):
    """How the find page shows the search. Its fields are dispatch.filters.EngineerPageFilter's,
    which parses them as the API does; this form gives them labels and widgets and builds the
    free window from the page's day and times."""

    LABELS = {
        "solution": _("Solution"),
        "skill": _("Skill"),
        "min_level": _("Minimum level"),
        "region": _("Region"),
        "grade": _("Grade"),
        "resource_type": _("Resource type"),
        "min_rating": _("Minimum rating"),
        "free_date": _("Free on"),
        "free_start": _("From"),
        "free_end": _("Until"),
        "ordering": _("Order by"),
        "opportunity": _("Book for opportunity"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        for name, label in self.LABELS.items():
            fields[name].label = label
        for name in ("solution", "skill", "region"):
            fields[name].empty_label = _("Any")
        fields["skill"].widget = OneOfMany(choices=fields["skill"].choices)
        fields["min_level"].widget = forms.Select(choices=LEVEL_CHOICES)
        fields["opportunity"].empty_label = _("Choose when booking")
        fields["ordering"].widget.choices = [(key, ORDERING_LABELS[key]) for key in ORDERINGS]
        fields["ordering"].help_text = ""  # the API's, naming the parameter's values
        fields["free_date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        fields["free_start"].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        fields["free_end"].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        for name in ("week", "day", "work_order"):
            fields[name].widget = forms.HiddenInput()
        fields["skill_level"].widget = forms.MultipleHiddenInput()
        self.order_fields([*self.LABELS, "week", "day", "skill_level", "work_order"])

    def offer(self, *, grades: list[str], resource_types: list[str]) -> None:
        """The grades and resource types engineers have, as the page's choices."""
        self.fields["grade"].widget = forms.Select(choices=[("", _("Any"))] + [(grade, grade) for grade in grades])
        self.fields["resource_type"].widget = forms.Select(
            choices=[("", _("Any"))] + [(kind, resource_type_label(kind)) for kind in resource_types]
        )

    def clean(self):
        data = super().clean()
        parts = [data.get(name) for name in ("free_date", "free_start", "free_end")]
        given = [part is not None for part in parts]
        data["free_from"] = data["free_to"] = None
        if any(given) and not all(given):
            if not self.errors:
                self.add_error("free_end", _("Give the day, the start and the end of the free window."))
            return data
        if all(given):
            # The window is organisation time (the active time zone), as the board shows it.
            zone = timezone.get_current_timezone()
            data["free_from"] = dt.datetime.combine(parts[0], parts[1], tzinfo=zone)
            data["free_to"] = dt.datetime.combine(parts[0], parts[2], tzinfo=zone)
            try:
                check_free_window(data["free_from"], data["free_to"])
            except ValidationFailed as refusal:  # the page's end time stands for free_to
                for message in refusal.fields["free_to"]:
                    self.add_error("free_end", message)
        return data


class BookingForm(forms.Form):
    """One slot on the board: engineer, start (organisation time), length and what it is for."""

    engineer = forms.ModelChoiceField(queryset=Engineer.objects.select_related("user"), widget=forms.HiddenInput)
    start = BoundedDateTimeField(widget=forms.HiddenInput)
    hours = forms.TypedChoiceField(
        label=_("Length (hours)"), choices=LENGTH_CHOICES, coerce=int, initial="1", required=False, empty_value=None
    )
    # A range chosen on the board (or typed without JavaScript): its end instead of a length.
    end = BoundedDateTimeField(required=False, widget=forms.HiddenInput)
    opportunity = forms.ModelChoiceField(label=_("Opportunity"), queryset=None, empty_label=None)
    stage = forms.ChoiceField(label=_("Presales stage"), choices=STAGE_CHOICES)
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    # Without a work order the booking opens one wanted from this moment (default: its start).
    desired_start = local_datetime_field(
        _("Desired start"), required=False, help_text=_("When you needed someone; a later start is a delay.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    # The work order this booking fills, when the search was opened from one.
    work_order = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    # The search the rep came from, to go back to it after a booking without JavaScript.
    back = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, opportunities, work_orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = opportunities
        self.fields["work_order"].queryset = work_orders

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if end is None and data.get("hours") is None and "hours" not in self.errors:
            self.add_error("hours", forms.Field.default_error_messages["required"])
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("The booking must end after it starts."))
        return data

    @property
    def interval_end(self) -> dt.datetime:
        if self.cleaned_data.get("end") is not None:
            return self.cleaned_data["end"]
        return self.cleaned_data["start"] + dt.timedelta(hours=self.cleaned_data["hours"])

    def booking_arguments(self) -> dict:
        """booking_create's arguments from the valid form: the fields by name, the length as the
        end, and no desired start with a work order (it has its own; a booking without one opens
        one wanted from this). ``back`` is the page's alone."""
        data = {name: value for name, value in self.cleaned_data.items() if name not in ("hours", "back")}
        data["end"] = self.interval_end
        if data["work_order"]:
            data["desired_start"] = None
        return data


class CompleteForm(forms.Form):
    actual_hours = forms.DecimalField(label=_("Actual hours"), min_value=0, max_digits=8, decimal_places=2)


class RateForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Score"), choices=[(str(score), str(score)) for score in SCORES], coerce=int)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class RecordPeriodForm(forms.Form):
    """The period of an engineer's record: whole days, both ends included."""

    DEFAULT_DAYS = 90
    MAX_DAYS = 366  # utilisation walks the calendar day by day

    start = BoundedDateField(label=_("From"), required=False)
    end = BoundedDateField(label=_("To"), required=False)

    def __init__(self, data=None, *, today: dt.date, **kwargs):
        # The query string says from/to, which are not valid Python names.
        if data is not None:
            data = {"start": data.get("from", ""), "end": data.get("to", "")}
        super().__init__(data, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - dt.timedelta(days=self.DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (end - start).days >= self.MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """The valid period, or the default last 90 days when the input was not valid."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.today - dt.timedelta(days=self.DEFAULT_DAYS - 1), self.today


# --- Work orders -------------------------------------------------------------------------------


class RequestForm(forms.Form):
    """What every call for help names — the opportunity, its stage, the activity and the solution —
    shared by the work-order form and the grab-order form (grabbing.forms). The caller gives the
    opportunities the rep may choose."""

    opportunity = forms.ModelChoiceField(label=_("Opportunity"), queryset=None, empty_label=None)
    stage = forms.ChoiceField(label=_("Presales stage"), choices=STAGE_CHOICES)
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    solution = forms.ModelChoiceField(
        label=_("Solution"),
        queryset=Solution.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("The opportunity's solution"),
    )


class WorkOrderForm(RequestForm):
    """The rep's request: what kind of help, for when, how many engineers. The service holds the
    limits (engineers needed, skills, hours, the window), so a refusal names the field."""

    resource_type = forms.ChoiceField(label=_("Resource type"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    engineers_needed = forms.IntegerField(
        label=_("Engineers needed"),
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ENGINEERS_NEEDED}),
    )
    desired_start = local_datetime_field(_("Desired start"))
    desired_end = local_datetime_field(_("Desired end"))
    hours = forms.DecimalField(label=_("Estimated hours"), required=False, max_digits=8, decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, opportunities, grades: list[str], resource_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = opportunities
        self.fields["grade"].choices = [("", _("Any"))] + [(grade, grade) for grade in grades]
        self.fields["resource_type"].choices = [("", _("Any"))] + [
            (kind, resource_type_label(kind)) for kind in resource_types
        ]


class RequiredSkillForm(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Skill"), queryset=Skill.objects.all(), to_field_name="code", required=False, empty_label="—"
    )
    min_level = forms.TypedChoiceField(
        label=_("Minimum level"), choices=REQUIRED_LEVEL_CHOICES, coerce=int, initial="1"
    )


RequiredSkillFormSet = forms.formset_factory(
    RequiredSkillForm, extra=3, max_num=MAX_SKILLS, absolute_max=MAX_SKILLS, validate_max=True
)


def required_skills(formset) -> list[tuple[Skill, int]]:
    """The filled rows of a valid formset; rows without a skill are left out."""
    return [(row["skill"], row["min_level"]) for row in formset.cleaned_data if row.get("skill")]


class WorkOrderFilterForm(forms.Form):
    """How the work-order list shows its filters (dispatch.filters.WorkOrderPageFilter parses
    them): in the query string by code so links stay readable (the dashboard links each cell's
    waiting demand here): ``region``, ``solution``, ``status`` repeated for any of several,
    ``desired_end_from`` (organisation time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        for name, label in (("region", _("Region")), ("solution", _("Solution"))):
            fields[name].label = label
            fields[name].empty_label = _("Any")
        fields["status"].label = _("Status")
        fields["status"].help_text = _("None ticked: any.")
        fields["status"].widget = forms.CheckboxSelectMultiple(choices=fields["status"].choices)
        fields["desired_end_from"].label = _("Desired end from")
        fields["desired_end_from"].widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE)
