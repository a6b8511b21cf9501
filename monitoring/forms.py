from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from presales.inputs import BoundedDateField


class WindowForm(forms.Form):
    """The window asked for: the 7 days (or the policy's length) to ``date``'s midnight."""

    date = BoundedDateField(
        label=_("Window ending"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RecomputeForm(WindowForm):
    def clean_date(self):
        day = self.cleaned_data["date"]
        # A window that has not ended yet would judge (and clear) alerts on a partial week, and a
        # later real recompute of an older window could not undo it.
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("A window that has not ended yet cannot be computed."))
        return day
