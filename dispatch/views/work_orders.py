"""Work-order pages (资源调度工单): the rep opens a work order, follows theirs (status, delay,
engineers booked), books candidates for it, sends it to the grab pool or cancels it; managers
and admins read the list of every work order they may see, filtered (the dashboard links there).

The rules are the services' (dispatch.services.work_orders, dispatch.services.bookings) and the selectors'
(dispatch.selectors.work_orders); a refusal is shown where the rep acted and writes nothing."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch.delay import Delay
from dispatch.filters import WorkOrderPageFilter
from dispatch.forms import (
    LENGTH_CHOICES,
    LOCAL_MINUTE,
    CancelForm,
    RequiredSkillFormSet,
    WorkOrderForm,
    required_skills,
)
from dispatch.selectors.bookings import dispatchable_opportunities
from dispatch.selectors.engineers import engineer_grades, engineer_resource_types
from dispatch.selectors.work_orders import rep_work_orders, work_order_candidates, work_order_list
from dispatch.services import bookings as booking_services
from dispatch.services import work_orders as work_order_services
from dispatch.views.bookings import find_query
from dispatch.views.visibility import lateness_display
from dispatch.work_order_status import WORK_ORDER_TRANSITIONS, WorkOrderStatus
from presales import access
from presales.decorators import role_required
from presales.exceptions import ApplicationError
from presales.feedback import message_refusal
from presales.inputs import as_id

CANDIDATES_SHOWN = 20
# The work-order list's page size, the most it shows at once (README: Work orders).
WORK_ORDERS_PER_PAGE = 50
# Reps list their own work orders; managers and admins every one they may see.
LIST_ROLES = access.REPS_MANAGERS_AND_ADMINS
BOOKABLE_HOURS = {int(hours) for hours, _label in LENGTH_CHOICES}


def _work_order_form(request, data=None, initial=None) -> WorkOrderForm:
    return WorkOrderForm(
        data,
        initial=initial,
        opportunities=dispatchable_opportunities(user=request.user).select_related("solution"),
        grades=engineer_grades(),
        resource_types=engineer_resource_types(),
    )


def _initial(request) -> dict:
    """Defaults: the opportunity asked for (?opportunity=), its stage and solution, one engineer."""
    initial = {"engineers_needed": 1, "activity": "exchange"}
    chosen = dispatchable_opportunities(user=request.user).filter(pk=as_id(request.GET.get("opportunity"))).first()
    if chosen is not None:
        initial |= {"opportunity": chosen.pk, "stage": chosen.stage, "solution": chosen.solution.code}
    return initial


def _skill_formset(data=None, *, add_row: bool = False):
    if data is None:
        return RequiredSkillFormSet(prefix="skills")  # a few blank rows
    if add_row:  # "Add a skill": the same rows as typed, and one more
        data = data.copy()
        total = as_id(data.get("skills-TOTAL_FORMS")) or 0
        data["skills-TOTAL_FORMS"] = str(min(total + 1, work_order_services.MAX_SKILLS))
    return RequiredSkillFormSet(data, prefix="skills")


def _show_refusal(form, formset, error: ApplicationError) -> None:
    """A service's refusal on the fields it names; the rest (and its message) above the form."""
    for field, field_errors in (error.fields or {}).items():
        if field == "skills":
            formset._non_form_errors = formset.error_class(field_errors)
        else:
            form.add_error(field if field in form.fields else None, field_errors)
    if not error.fields:
        form.add_error(None, str(error.message))


@role_required(*access.REPS)
def work_order_new(request):
    """GET: the form (?opportunity= pre-fills it). POST: open the work order, or add a skill row."""
    if request.method != "POST":
        form, formset = _work_order_form(request, initial=_initial(request)), _skill_formset()
        return render(request, "dispatch/work_order_new.html", {"form": form, "formset": formset})
    adding = "add_skill" in request.POST
    form, formset = _work_order_form(request, request.POST), _skill_formset(request.POST, add_row=adding)
    if adding:
        return render(request, "dispatch/work_order_new.html", {"form": form, "formset": formset})
    if form.is_valid() and formset.is_valid():
        try:
            # The form's fields are the service's arguments, by name.
            work_order = work_order_services.work_order_create(
                by=request.user, skills=required_skills(formset), **form.cleaned_data
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            _show_refusal(form, formset, error)
        else:
            messages.success(request, _("Work order %(work_order)s opened.") % {"work_order": work_order})
            return redirect("dispatch:work_order", pk=work_order.pk)
    return render(request, "dispatch/work_order_new.html", {"form": form, "formset": formset}, status=400)


# --- Reading them --------------------------------------------------------------------------------


def oversees_work_orders(user) -> bool:
    """Whether the work-order list shows ``user`` every work order they may see (their regions',
    all for an admin: WorkOrder.objects.restrict decides) rather than only their own."""
    return access.is_manager_or_admin(user)


def _owns(user, work_order) -> bool:
    """The rep of its opportunity: the one who books for it, sends it to the pool, cancels it."""
    return access.owns_opportunity(user, work_order.opportunity) and access.is_rep(user)


def _row(work_order, *, owner: bool) -> SimpleNamespace:
    """What a list row or the detail page shows of a work order annotated by with_state."""
    status = WorkOrderStatus(work_order.status)
    fillable = owner and WORK_ORDER_TRANSITIONS.allows("fill", status)
    return SimpleNamespace(
        work_order=work_order,
        status=status,
        delay=Delay(work_order.delay),
        lateness=lateness_display(
            dt.timedelta(seconds=work_order.late_s),
            delay=Delay(work_order.delay),
            cancelled=work_order.cancelled_at is not None,
        ),
        fillable=fillable,
        can_cancel=owner and WORK_ORDER_TRANSITIONS.allows("cancel", status),
        find_url=f"{reverse('dispatch:find')}?{urlencode(find_query(work_order), doseq=True)}" if fillable else "",
        pool_url=f"{reverse('grabbing:new')}?{urlencode({'work_order': work_order.pk})}" if fillable else "",
    )


@role_required(*LIST_ROLES)
def work_order_index(request):
    """My work orders for a rep; every work order a manager or admin may see for them (the
    dashboard's cells link here, filtered to the cell). Filters that do not read are shown on
    their field with a message, and the list is then unfiltered. WORK_ORDERS_PER_PAGE a page."""
    overseer = oversees_work_orders(request.user)
    search = WorkOrderPageFilter(request.GET, request=request)
    form = search.form
    filters = search.search_criteria()
    if form.errors:
        messages.error(request, _("Some filters could not be read, so every work order is listed."))
    owner = None if overseer else request.user
    work_orders = work_order_list(user=request.user, owner=owner, **filters)
    page = Paginator(work_orders, WORK_ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [_row(work_order, owner=_owns(request.user, work_order)) for work_order in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "overseer": overseer,
        "can_open": access.is_rep(request.user),
        "filtered": bool(filters),
        "query": query.urlencode(),
    }
    return render(request, "dispatch/work_orders.html", context)


def _visible(request, pk):
    # Whoever may not see the work order learns nothing of it: 404.
    return get_object_or_404(work_order_list(user=request.user), pk=pk)


def _candidates(work_order, now) -> list:
    """Its first candidates, each with the link that books them for the desired window when a
    board booking can (one day, a length the form offers); else the find page prefilled."""
    start, end = timezone.localtime(work_order.desired_start), timezone.localtime(work_order.desired_end)
    length = (end - start).total_seconds() / 3600
    bookable = start.date() == end.date() and length in BOOKABLE_HOURS
    engineers = list(
        work_order_candidates(work_order=work_order, now=now).select_related("user", "region")[:CANDIDATES_SHOWN]
    )
    for engineer in engineers:
        engineer.book_url = ""
        if bookable:
            query = {
                "engineer": engineer.pk,
                "start": start.strftime(LOCAL_MINUTE),
                "hours": int(length),
                "opportunity": work_order.opportunity_id,
                "work_order": work_order.pk,
            }
            engineer.book_url = f"{reverse('dispatch:book')}?{urlencode(query)}"
    return engineers


@login_required
def work_order_detail(request, pk):
    now = timezone.now()
    work_order = _visible(request, pk)
    row = _row(work_order, owner=_owns(request.user, work_order))
    context = {
        "row": row,
        "lists_work_orders": access.has_any_role(request.user, LIST_ROLES),
        "overseer": oversees_work_orders(request.user),
        "work_order": work_order,
        "bookings": work_order.bookings.select_related("engineer__user").order_by("start", "pk"),
        "candidates": _candidates(work_order, now) if row.fillable else None,
        "cancel_form": CancelForm(),
    }
    return render(request, "dispatch/work_order.html", context)


@require_POST
@role_required(*access.REPS)
def work_order_cancel(request, pk):
    """Cancel it with its open bookings; in place on My work orders (htmx), else back with a message."""
    work_order = get_object_or_404(rep_work_orders(user=request.user), pk=pk)
    form = CancelForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise ApplicationError(_("Please correct the input."))
        booking_services.work_order_cancel(work_order=work_order, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as refusal:
        error = refusal
    on_detail = request.POST.get("from") == "detail"
    if request.htmx and not on_detail:
        fresh = work_order_list(user=request.user).get(pk=pk)
        context = {
            "row": _row(fresh, owner=True),
            "error": error,
            "overseer": oversees_work_orders(request.user),
            "can_open": True,  # a rep's: the actions column
        }
        return render(request, "dispatch/_work_order_row.html", context)
    if error:
        message_refusal(request, error)
    else:
        messages.success(request, _("Work order %(work_order)s cancelled.") % {"work_order": work_order})
    back = reverse("dispatch:work_order", args=[pk]) if on_detail else reverse("dispatch:work_orders")
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = back
        return response
    return redirect(back)
