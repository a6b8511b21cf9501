"""Grab-order pages: the rep posts an order and confirms or rejects a grab; the engineer sees
their invitations, asks a question and grabs. Each view calls one selector or service; a
refusal (ApplicationError) is shown as a message and writes nothing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch.models import Engineer, WorkOrder
from dispatch.selectors.bookings import dispatchable_opportunities
from dispatch.selectors.engineers import engineer_grades
from grabbing.forms import GrabOrderForm, QuestionForm, initial_from_search, initial_from_work_order
from grabbing.models import Question
from grabbing.selectors.grab_orders import grab_order_list, invitation_list, rep_grab_orders
from grabbing.services import grab_orders as grab_order_services
from presales import access
from presales.decorators import role_required
from presales.exceptions import ApplicationError, BudgetExceeded
from presales.feedback import keep_typed, message_refusal
from presales.inputs import as_id
from presales.models import Region


def _form(request, data=None, initial=None) -> GrabOrderForm:
    return GrabOrderForm(
        data,
        initial=initial,
        opportunities=dispatchable_opportunities(user=request.user),
        work_orders=WorkOrder.objects.restrict(request.user),
        grades=engineer_grades(),
    )


def _initial(request) -> dict:
    """From the work order being sent to the pool (``?work_order=``), then the search or alert
    that led here."""
    initial = {}
    if request.GET.get("work_order"):
        pk = as_id(request.GET["work_order"])
        if pk is None:
            raise Http404
        initial = initial_from_work_order(get_object_or_404(WorkOrder.objects.restrict(request.user), pk=pk))
    return initial | initial_from_search(request.GET, regions=Region.objects.all())


@role_required(*access.OPPORTUNITY_ROLES)
def new(request):
    """GET: the form, pre-filled from the work order, search or alert that led here. POST: post the order.

    Managers arrive here from an alert's plan 1; only reps post (on their own opportunities),
    so a manager sees the pre-filled form with a link to hand to the rep.
    """
    can_post = access.is_rep(request.user)
    if request.method != "POST":
        form = _form(request, initial=_initial(request))
        return render(request, "grabbing/new.html", {"form": form, "can_post": can_post})
    if not can_post:
        raise PermissionDenied
    form = _form(request, request.POST)
    if form.is_valid():
        try:
            order = grab_order_services.grab_order_post(by=request.user, **form.service_arguments())
        except ApplicationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Grab order posted; %(count)s engineers invited.") % {"count": order.invited},
            )
            return redirect("grabbing:mine")
    return render(request, "grabbing/new.html", {"form": form, "can_post": True}, status=400)


def _add_errors(form: GrabOrderForm, error: ApplicationError) -> None:
    for field, field_errors in (error.fields or {}).items():
        target = {"start": "start_time", "end": "end_time"}.get(field, field)
        form.add_error(target if target in form.fields else None, field_errors)
    if not error.fields:
        form.add_error(None, str(error.message))


WINDOW_FIELDS = {"date", "start_time", "end_time"}


def _messages(errors: dict | None) -> list[str]:
    return [str(message) for field_errors in (errors or {}).values() for message in field_errors]


@role_required(*access.REPS)
def preview(request):
    """The htmx fragment under the form: how many engineers the order as typed would invite."""
    form = _form(request, request.GET)
    context = {"invited": None, "problem": None}
    if form.is_valid():
        try:
            context["invited"] = grab_order_services.grab_order_preview(by=request.user, **form.service_arguments())
        except ApplicationError as error:
            context["problem"] = " ".join(_messages(error.fields) or [str(error.message)])
    elif not set(form.errors) & WINDOW_FIELDS:  # the window is there, something else is wrong
        context["problem"] = " ".join(_messages(form.errors))
    return render(request, "grabbing/_invitee_count.html", context)


@role_required(*access.REPS)
def mine(request):
    page = Paginator(rep_grab_orders(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "grabbing/mine.html", {"page": page, "orders": page.object_list})


def _rep_order(request, pk):
    # Another rep's order is not theirs to see: 404, not 403.
    return get_object_or_404(grab_order_list(user=request.user).filter(opportunity__owner=request.user), pk=pk)


def _rep_action(request, pk, action, success: str):
    order = _rep_order(request, pk)
    try:
        action(grab_order=order, by=request.user)
    except ApplicationError as error:
        message_refusal(request, error)
        if isinstance(error, BudgetExceeded):
            messages.info(
                request, _("Nothing was booked; the order stays grabbed. Ask for a budget adjustment or reject it.")
            )
    else:
        messages.success(request, success % {"id": order.pk})
    return redirect("grabbing:mine")


@require_POST
@role_required(*access.REPS)
def confirm(request, pk):
    return _rep_action(
        request, pk, grab_order_services.grab_order_confirm, _("Grab order #%(id)s confirmed and booked.")
    )


@require_POST
@role_required(*access.REPS)
def reject(request, pk):
    return _rep_action(request, pk, grab_order_services.grab_order_reject, _("Grab order #%(id)s reopened."))


@require_POST
@role_required(*access.REPS)
def cancel(request, pk):
    return _rep_action(request, pk, grab_order_services.grab_order_cancel, _("Grab order #%(id)s cancelled."))


@role_required(*access.ENGINEERS)
def invitations(request):
    own = Question.objects.filter(engineer__user=request.user).select_related("author")
    rows = invitation_list(user=request.user).prefetch_related(
        Prefetch("grab_order__questions", queryset=own, to_attr="thread")
    )
    return render(
        request,
        "grabbing/invitations.html",
        {"invitations": rows},
    )


@require_POST
@role_required(*access.ENGINEERS)
def grab(request, pk):
    order = get_object_or_404(grab_order_list(user=request.user), pk=pk)
    try:
        grab_order_services.grab_order_grab(grab_order=order, by=request.user)
    except ApplicationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("You grabbed it; the rep will confirm."))
    return redirect("grabbing:invitations")


@require_POST
@role_required(*access.REPS_AND_ENGINEERS)
def ask(request, pk):
    order = get_object_or_404(grab_order_list(user=request.user), pk=pk)
    form = QuestionForm(request.POST)
    is_rep = order.opportunity.owner_id == request.user.pk
    if form.is_valid():
        engineer = None
        if is_rep and form.cleaned_data["engineer"]:
            engineer = Engineer.objects.filter(pk=form.cleaned_data["engineer"]).first()
        try:
            grab_order_services.question_ask(
                grab_order=order, by=request.user, text=form.cleaned_data["text"], engineer=engineer
            )
        except ApplicationError as error:
            message_refusal(request, error)
            keep_typed(request)
        else:
            messages.success(request, _("Message sent."))
    else:
        messages.error(request, _("Write a message of 1 to 2000 characters."))
        keep_typed(request)
    return redirect("grabbing:mine" if is_rep else "grabbing:invitations")
