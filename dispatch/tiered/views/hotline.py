"""Remote hotline pages (tiered support): a rep asks the solution's delivery centre; the
on-duty engineer answers in place. Refusals are messages and write nothing; the rules live in
dispatch.tiered.hotline."""

from django import forms
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch.models import HotlineRequest, HotlineUrgency
from dispatch.tiered import hotline as hotline_services
from presales import access
from presales.decorators import role_required
from presales.feedback import act_on_form, take_typed
from presales.selectors.opportunities import opportunity_list

READERS = access.ALL_ROLES


class HotlineAskForm(forms.Form):
    opportunity = forms.ModelChoiceField(label=gettext_lazy("Opportunity"), queryset=None, empty_label=None)
    question = forms.CharField(
        label=gettext_lazy("Question"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=HotlineUrgency.choices, initial=HotlineUrgency.NORMAL
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = opportunity_list(user=user).filter(owner=user).order_by("name", "pk")


class HotlineAnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Answer"), max_length=8000)


@role_required(*READERS)
def hotline(request):
    """The requests the user may see, newest first: the rep's own with the form to ask, the
    on-duty engineer's with a box to answer the open ones."""
    user = request.user
    context = {
        "form": (
            HotlineAskForm(user=user, initial=take_typed(request, reverse("dispatch:hotline-ask")))
            if access.is_rep(user)
            else None
        ),
        "requests": HotlineRequest.objects.restrict(user).with_parties().order_by("-requested_at", "-pk")[:100],
    }
    return render(request, "dispatch/hotline.html", context)


@require_POST
@role_required(*access.REPS)
def hotline_ask(request):
    return act_on_form(
        request,
        HotlineAskForm(request.POST, user=request.user),
        lambda data: hotline_services.hotline_request(by=request.user, **data),
        success=lambda asked: (
            _("Your question went to %(engineer)s, on duty for the hotline.") % {"engineer": asked.engineer.name}
        ),
        back="dispatch:hotline",
    )


@require_POST
@role_required(*access.ENGINEERS)
def hotline_answer(request, pk: int):
    request_row = get_object_or_404(HotlineRequest.objects.restrict(request.user).with_parties(), pk=pk)
    return act_on_form(
        request,
        HotlineAnswerForm(request.POST),
        lambda data: hotline_services.hotline_answer(hotline=request_row, by=request.user, answer=data["answer"]),
        success=_("Answer sent."),
        back="dispatch:hotline",
    )
