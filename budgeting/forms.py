from django import forms
from django.utils.translation import gettext_lazy as _


class AdjustForm(forms.Form):
    """Only the shape of the input; the rules (reason required, not zero, not overdrawn) are the service's."""

    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
