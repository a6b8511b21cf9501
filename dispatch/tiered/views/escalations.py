"""Escalation pages (tiered support): the rep asks for the delivery centre on a class C/D/E
opportunity; the regional manager approves or declines. Refusals are shown as messages and
write nothing; the rules live in dispatch.tiered.escalations."""

from django import forms
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch.models import Escalation
from dispatch.tiered import escalations as escalation_services
from presales import access
from presales.choices import DELIVERY_CENTRE_CLASSES
from presales.decorators import role_required
from presales.feedback import act_on_form, take_typed
from presales.selectors.opportunities import opportunity_list


class EscalationRequestForm(forms.Form):
    opportunity = forms.ModelChoiceField(label=gettext_lazy("Opportunity"), queryset=None, empty_label=None)
    reason = forms.CharField(
        label=gettext_lazy("Why the delivery centre is needed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what an escalation can be asked for: the rep's own class C/D/E opportunities.
        self.fields["opportunity"].queryset = (
            opportunity_list(user=user).filter(owner=user).exclude(project_class__in=DELIVERY_CENTRE_CLASSES)
        ).order_by("name", "pk")


class DecisionForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Period (days)"), min_value=1, max_value=escalation_services.MAX_PERIOD_DAYS, required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


@role_required(*access.OPPORTUNITY_ROLES)
def escalations(request):
    user = request.user
    form = None
    if access.is_rep(user):
        typed = take_typed(request, reverse("dispatch:escalation-request"))
        form = EscalationRequestForm(user=user, initial={"opportunity": request.GET.get("opportunity")} | typed)
    rows = Escalation.objects.restrict(user).with_parties().order_by("-requested_at", "-pk")[:100]
    context = {
        "form": form,
        "escalations": rows,
        "can_decide": access.is_manager_or_admin(user),
        "decided_region_ids": set(user.regions.values_list("pk", flat=True)),
        "is_admin": access.is_admin(user),
        "default_days": escalation_services.DEFAULT_PERIOD_DAYS,
    }
    return render(request, "dispatch/escalations.html", context)


@require_POST
@role_required(*access.REPS)
def escalation_request(request):
    return act_on_form(
        request,
        EscalationRequestForm(request.POST, user=request.user),
        lambda data: escalation_services.escalation_request(by=request.user, **data),
        success=_("Escalation requested; the regional manager will decide."),
        back="dispatch:escalations",
    )


def _decide(request, pk, decide, success: str):
    escalation = get_object_or_404(Escalation.objects.restrict(request.user).with_parties(), pk=pk)
    return act_on_form(
        request,
        DecisionForm(request.POST),
        lambda data: decide(escalation=escalation, by=request.user, **data),
        success=success,
        back="dispatch:escalations",
        invalid=_("The period is 1 to 180 days."),
    )


@require_POST
@role_required(*access.MANAGERS_AND_ADMINS)
def escalation_approve(request, pk):
    def approve(*, days, **kwargs):
        return escalation_services.escalation_approve(days=days or escalation_services.DEFAULT_PERIOD_DAYS, **kwargs)

    return _decide(request, pk, approve, _("Escalation approved."))


@require_POST
@role_required(*access.MANAGERS_AND_ADMINS)
def escalation_decline(request, pk):
    def decline(*, days, **kwargs):  # a decline has no period
        return escalation_services.escalation_decline(**kwargs)

    return _decide(request, pk, decline, _("Escalation declined."))
