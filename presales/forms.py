"""Page forms. They check the shape of input only; the services decide the rules."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from presales.choices import PresalesStage, ProjectClass
from presales.core.signin import SignInThrottled, sign_in_authenticate
from presales.models import Region, Solution
from presales.selectors.customers import customer_list


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    # Every region is offered: whether the rep covers it is the service's rule, and its
    # message is shown on this field.
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all())
    solution = forms.ModelChoiceField(label=_("Solution"), queryset=Solution.objects.all())
    project_class = forms.ChoiceField(label=_("Project class"), choices=ProjectClass.choices)
    stage = forms.ChoiceField(
        label=_("Presales stage"), choices=PresalesStage.choices, initial=PresalesStage.QUALIFICATION
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list(user=user)
        first_region = user.regions.order_by("code").first()
        if first_region is not None:
            self.fields["region"].initial = first_region.pk


class ThrottledSignInMixin:
    """Django's sign-in form, authenticating through ``sign_in_authenticate``.

    ``throttled`` holds the refusal, so the view can answer 429 with Retry-After.
    """

    throttled: SignInThrottled | None = None

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = sign_in_authenticate(request=self.request, username=username, password=password)
            except SignInThrottled as exc:
                self.throttled = exc
                raise forms.ValidationError(exc.message, code="throttled") from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass
