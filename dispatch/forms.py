"""Page forms for dispatch. Shape only: the selectors and services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from presales.models import Region, Skill, Solution

LEVEL_CHOICES = [("", _("Any level"))] + [(str(level), str(level)) for level in range(1, 6)]


class EngineerSearchForm(forms.Form):
    # Codes in the query string keep search URLs readable and shareable.
    solution = forms.ModelChoiceField(
        label=_("Solution"), queryset=Solution.objects.all(), to_field_name="code", required=False, empty_label=_("Any")
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"), queryset=Skill.objects.all(), to_field_name="code", required=False, empty_label=_("Any")
    )
    min_level = forms.TypedChoiceField(
        label=_("Minimum level"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code", required=False, empty_label=_("Any")
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False)

    def __init__(self, *args, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", _("Any"))] + [(grade, grade) for grade in grades]
