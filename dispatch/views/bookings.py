"""Dispatch pages: find and book engineers on the schedule board, the rep's bookings, and an
engineer's own schedule. Views only parse, call one selector or service, and render; refused
actions (ApplicationError) are shown where the user acted, with nothing written."""

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch.filters import EngineerPageFilter
from dispatch.forms import BookingForm, CancelForm, CompleteForm, EngineerSearchForm, RateForm
from dispatch.selectors.board import (
    BOARD_HOURS,
    EARLIEST_ENGINEERS,
    board_days,
    board_window,
    earliest_free_slots,
    percent,
    schedule_board,
    week_start,
)
from dispatch.selectors.bookings import (
    booking_delay,
    booking_quote,
    budget_remaining,
    dispatchable_opportunities,
    engineer_bookings,
    engineer_upcoming_and_recent,
    rep_bookings,
)
from dispatch.selectors.engineers import (
    MATCH_WEIGHTS,
    engineer_grades,
    engineer_profile,
    engineer_resource_types,
    engineer_search,
    engineers_for_board,
    upcoming_time_off,
)
from dispatch.selectors.work_orders import rep_work_orders, with_state
from dispatch.services import bookings as booking_services
from dispatch.services.engineers import engineer_rotate_calendar_token
from dispatch.tiered.eligibility import REASON_LABELS
from presales import access
from presales.core.pagination import RankedPaginator
from presales.decorators import role_required
from presales.exceptions import ApplicationError
from presales.feedback import keep_typed, message_refusal, typed_input
from presales.inputs import as_id
from presales.models import Solution

DEFAULT_SLIGHT_LIMIT = Solution._meta.get_field("slight_delay_hours").default
PAGE_SIZE = 20  # rows of the schedule board too: 20 engineers × 84 hour cells stay readable


def _search(request) -> EngineerPageFilter:
    # The API's parser (dispatch.filters), shown as the page's form.
    return EngineerPageFilter(
        request.GET, request=request, grades=engineer_grades(), resource_types=engineer_resource_types()
    )


def _board_week(form: EngineerSearchForm) -> dt.date:
    # A field that failed validation is absent from cleaned_data: this week stands in.
    data = form.cleaned_data
    day = data.get("week") or data.get("free_date") or timezone.localdate()
    return week_start(day)


def find_query(work_order) -> dict:
    """The find page's criteria for a work order: its requirements, its desired window (as a
    free window when it lies within one day, else the week it starts) and the work order itself,
    which the board's bookings then fill. Region is not a filter: as for its candidates, the
    opportunity's region ranks first and borrowing from another region stays possible."""
    start, end = timezone.localtime(work_order.desired_start), timezone.localtime(work_order.desired_end)
    query = {
        "work_order": work_order.pk,
        "opportunity": work_order.opportunity_id,
        "solution": work_order.solution.code,
        "skill_level": [f"{required.skill.code}:{required.min_level}" for required in work_order.skills.all()],
        "grade": work_order.grade,
        "resource_type": work_order.resource_type,
        "week": str(week_start(start.date())),
    }
    if start.date() == end.date():
        query |= {"free_date": str(start.date()), "free_start": f"{start:%H:%M}", "free_end": f"{end:%H:%M}"}
    return {key: value for key, value in query.items() if value not in ("", [])}


def _query(request, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


@role_required(*access.OPPORTUNITY_ROLES)
def find(request):
    # Always bound: with no criteria every field is empty and the search lists everyone.
    search = _search(request)
    form = search.form
    valid = form.is_valid()
    work_order = None
    if valid and form.cleaned_data["work_order"] is not None:
        # Only the rep's own work orders are filled from here; any other id is a 404.
        own = with_state(rep_work_orders(user=request.user), at=timezone.now())
        work_order = get_object_or_404(own, pk=form.cleaned_data["work_order"])
        if set(request.GET) == {"work_order"}:  # opened from a work order: fill in its criteria
            return redirect(f"{reverse('dispatch:find')}?{urlencode(find_query(work_order), doseq=True)}")
    week = _board_week(form)
    day = _board_day(form, week)
    context = {
        "form": form,
        "page": None,
        "query": _query(request, page=None),
        "weights": MATCH_WEIGHTS,
        "can_book": access.is_rep(request.user),
        "work_order": work_order,
    }
    if valid:
        criteria = search.search_criteria()
        # Tiered support: with an opportunity chosen each engineer says whether, and why, they
        # are eligible for it; the not eligible stay listed so that the reason can be read.
        engineers = engineer_search(
            **criteria, preferred_regions=list(request.user.regions.all()), opportunity=form.cleaned_data["opportunity"]
        )
        page = RankedPaginator(engineers, PAGE_SIZE, load=engineers_for_board).get_page(request.GET.get("page"))
        for engineer in page.object_list:  # evaluates the page once; the board reuses it
            if hasattr(engineer, "eligibility"):
                engineer.eligibility_label = REASON_LABELS[engineer.eligibility]
        board = schedule_board(engineers=list(page.object_list), week=week, user=request.user)
        context |= {"page": page, "board": board} | _board_context(request, form, criteria, work_order, day, board)
        if criteria["free_from"] is not None and not page.object_list:
            context["earliest"] = _earliest_offer(criteria, request.user, form.cleaned_data["opportunity"])
    context |= {
        "week": week,
        "day": day,
        "days": board_days(week),
        "previous_week": _query(request, week=str(week - dt.timedelta(days=7)), day=None),
        "next_week": _query(request, week=str(week + dt.timedelta(days=7)), day=None),
        "this_week": _query(request, week=None, day=None),
        "day_links": [(other, _query(request, week=str(week), day=str(other))) for other in board_days(week)],
        "budget": _page_budget(request, week),
    }
    return render(request, "dispatch/find.html", context)


def _page_budget(request, week: dt.date) -> dict:
    start_of_week = dt.datetime.combine(week, dt.time(0), tzinfo=timezone.get_current_timezone())
    return budget_remaining(rep=request.user, moment=start_of_week)


def _board_day(form: EngineerSearchForm, week: dt.date) -> dt.date:
    """The day the board draws: the one asked for, else the searched day, else today, when in
    the board's week; else its Monday. Past days are never the default."""
    data = form.cleaned_data
    days = board_days(week)
    return next((day for day in (data.get("day"), data.get("free_date"), timezone.localdate()) if day in days), week)


def _board_context(request, form, criteria: dict, work_order, day: dt.date, board: list[dict]) -> dict:
    """What the board's rows draw for ``day``: each row's segments, the searched window and
    "now" as positions on the day, and where a selection books (the work order the page fills,
    or the chosen opportunity)."""
    tz = timezone.get_current_timezone()
    index = (day - week_start(day)).days
    for row in board:
        row["segments"] = row["days"][index] if len(row["days"]) > 1 else row["days"][0]
    opportunity = form.cleaned_data["opportunity"] or form.fields["opportunity"].queryset.first()
    book_query = {"opportunity": opportunity.pk if opportunity else "", "back": request.GET.urlencode()}
    if work_order is not None:  # the board's bookings fill it, on its opportunity
        opportunity = work_order.opportunity
        book_query |= {"opportunity": opportunity.pk, "work_order": work_order.pk}
    day_start, day_end = board_window(day, tz)
    window = None
    start, end = criteria["free_from"], criteria["free_to"]
    if start is not None and end is not None and start < day_end and end > day_start:
        left = percent(start, day, tz)
        window = {"start": start, "end": end, "left": left, "width": round(percent(end, day, tz) - left, 3)}
    now = timezone.now()
    return {
        "book_url": reverse("dispatch:book"),
        "lane_url": reverse("dispatch:board-lane"),
        "lane_query": _query(request, day=str(day), page=None, engineer=None),
        "opportunity": opportunity,
        "book_query": urlencode(book_query),
        "board_day": day,
        "board_hours": [f"{hour:02d}" for hour in range(*BOARD_HOURS)],
        "window": window,
        "now_left": percent(now, day, tz) if day_start <= now <= day_end else None,
        "past_width": percent(now, day, tz),
        "day_start": day_start,
        "day_end": day_end,
    }


@role_required(*access.OPPORTUNITY_ROLES)
def board_lane(request):
    """One engineer's schedule on the board (and the rep's budget figure, out of band): what a
    booking refreshes instead of the whole find page. Takes the find page's query and ``engineer``."""
    search = _search(request)
    form = search.form
    engineer = engineers_for_board([as_id(request.GET.get("engineer")) or 0]).get(as_id(request.GET.get("engineer")))
    if not form.is_valid() or engineer is None:
        raise Http404("no such board row")
    work_order = None
    if form.cleaned_data["work_order"] is not None:
        own = with_state(rep_work_orders(user=request.user), at=timezone.now())
        work_order = get_object_or_404(own, pk=form.cleaned_data["work_order"])
    week = _board_week(form)
    day = _board_day(form, week)
    board = schedule_board(engineers=[engineer], week=week, user=request.user, days=[day])
    context = _board_context(request, form, search.search_criteria(), work_order, day, board)
    context |= {
        "row": board[0],
        "can_book": access.is_rep(request.user),
        "budget": _page_budget(request, week),
        "refresh": True,
    }
    return render(request, "dispatch/_board_lane.html", context)


def _earliest_offer(criteria: dict, user, opportunity=None) -> list:
    """Nobody is free at the desired time: the matching engineers' earliest free slots, each
    with the delay it would cause. The page also offers a grab order pre-filled from the search
    (linked by URL name: dispatch does not import grabbing)."""
    start, end = criteria["free_from"], criteria["free_to"]
    # Only engineers the chosen opportunity may use (tiered support) are offered.
    matching = engineer_search(
        **(criteria | {"free_from": None, "free_to": None}),
        opportunity=opportunity,
        eligible_only=opportunity is not None,
    )
    engineers = list(matching.prefetch_related("working_hours")[:EARLIEST_ENGINEERS])
    solution = criteria["solution"]
    return earliest_free_slots(
        engineers=engineers,
        desired_start=start,
        length=end - start,
        # No solution asked: the default limit every solution starts with.
        slight_limit_hours=solution.slight_delay_hours if solution else DEFAULT_SLIGHT_LIMIT,
    )


def _booking_form(request, data) -> BookingForm:
    return BookingForm(
        data,
        opportunities=dispatchable_opportunities(user=request.user),
        work_orders=rep_work_orders(user=request.user).select_related("opportunity"),
    )


def _confirm(request, form: BookingForm, *, error: ApplicationError | None = None):
    context = {"form": form, "quote": None, "error": error}
    valid = form.is_valid()
    context["work_order"] = form.cleaned_data.get("work_order")
    if valid:
        data = form.cleaned_data
        context |= {"engineer": data["engineer"], "start": data["start"], "end": form.interval_end}
        try:
            context["quote"] = booking_quote(
                rep=request.user, engineer=data["engineer"], start=data["start"], end=form.interval_end
            )
        except ApplicationError as refusal:  # e.g. no rate on the rate card for this engineer
            context["error"] = context["error"] or refusal
    template = "dispatch/_confirm.html" if request.htmx else "dispatch/book.html"
    return render(request, template, context)


@role_required(*access.REPS)
def book(request):
    """GET: the confirmation of a slot (cost, budget after it). POST: book it."""
    if request.method != "POST":
        data = request.GET.copy()
        # Read by hand from the query string: an id that is not one (1.9) names nothing.
        work_order = rep_work_orders(user=request.user).filter(pk=as_id(data.get("work_order"))).first()
        if work_order is not None:  # filling a work order: its stage and activity
            data.setdefault("stage", work_order.stage)
            data.setdefault("activity", work_order.activity)
        if "stage" not in data:
            # Default to the opportunity's own stage when it is one engineers are booked in.
            chosen = as_id(data.get("opportunity"))
            opportunity = dispatchable_opportunities(user=request.user).filter(pk=chosen).first()
            data["stage"] = opportunity.stage if opportunity else ""
        data.setdefault("hours", "1")
        data.setdefault("activity", "exchange")
        data.setdefault("desired_start", data.get("start", ""))
        return _confirm(request, _booking_form(request, data))
    form = _booking_form(request, request.POST)
    if not form.is_valid():
        return _confirm(request, form)
    data = form.cleaned_data
    try:
        booking = booking_services.booking_create(by=request.user, **form.booking_arguments())
    except ApplicationError as error:
        return _confirm(request, form, error=error)
    if not request.htmx:
        messages.success(request, _("Booked %(engineer)s.") % {"engineer": booking.engineer.name})
        if data["work_order"] and not data["back"]:  # booked from the work order's own page
            return redirect("dispatch:work_order", pk=booking.work_order_id)
        return redirect(f"{reverse('dispatch:find')}?{data['back']}")
    budget = budget_remaining(rep=request.user, moment=booking.start)
    response = render(request, "dispatch/_booked.html", {"booking": booking, "budget": budget})
    # The board and the budget figure listen for this and reload themselves.
    response["HX-Trigger"] = "booking-created"
    return response


# --- The rep's bookings ----------------------------------------------------------------------


def _rep_row(booking, now, user):
    booking.delay = booking_delay(booking, now=now)
    booking.can_cancel = booking.allows("cancel") and booking.start > now
    booking.can_rate = booking.allows("rate")
    booking.can_correct_rating = booking.allows("correct_rating") and booking_services.rating_correctable(
        rating=booking.rating, by=user, now=now
    )
    return booking


@role_required(*access.REPS)
def my_bookings(request):
    now = timezone.now()
    page = Paginator(rep_bookings(user=request.user), 50).get_page(request.GET.get("page"))
    rows = [_rep_row(booking, now, request.user) for booking in page.object_list]
    return render(request, "dispatch/my_bookings.html", {"page": page, "rows": rows, "rate_form": RateForm()})


def _act(request, booking, action, *, form_class, template, back, after):
    """Validate the form, call the service, and answer with the re-rendered row (htmx) or a
    redirect with a message; a refusal is shown on the row and writes nothing."""
    form = form_class(request.POST)
    error = None
    if form.is_valid():
        try:
            action(booking, form.cleaned_data)
        except ApplicationError as refusal:
            error = refusal
    else:
        error = ApplicationError(
            _("Please correct the input."), fields={k: [str(e) for e in v] for k, v in form.errors.items()}
        )
    booking = after()
    if not request.htmx:
        if error:
            message_refusal(request, error)
            keep_typed(request)
        else:
            messages.success(request, _("Booking #%(id)s updated.") % {"id": booking.pk})
        return redirect(back)
    context = {"booking": booking, "error": error, "rate_form": form}
    if error:  # the row redrawn with what was typed into the refused form
        context["typed"] = typed_input(request)
    return render(request, template, context)


def _rep_booking(request, pk):
    # Another rep's booking is not theirs to see: 404, not 403.
    return get_object_or_404(rep_bookings(user=request.user), pk=pk)


def rep_act(request, pk, action, form_class):
    """A rep's action on one of their bookings from the bookings list (its row redrawn)."""
    return _act(
        request,
        _rep_booking(request, pk),
        action,
        form_class=form_class,
        template="dispatch/_rep_booking_row.html",
        back=reverse("dispatch:my-bookings"),
        after=lambda: _rep_row(_rep_booking(request, pk), timezone.now(), request.user),
    )


@require_POST
@role_required(*access.REPS)
def booking_cancel(request, pk):
    return rep_act(
        request,
        pk,
        lambda b, data: booking_services.booking_cancel(booking=b, by=request.user, reason=data["reason"]),
        CancelForm,
    )


@require_POST
@role_required(*access.REPS)
def booking_rate(request, pk):
    return rep_act(
        request,
        pk,
        lambda b, data: booking_services.booking_rate(
            booking=b, by=request.user, score=data["score"], comment=data["comment"]
        ),
        RateForm,
    )


# --- The engineer's schedule -------------------------------------------------------------------


@role_required(*access.ENGINEERS)
def my_schedule(request):
    engineer = engineer_profile(user=request.user)
    if engineer is None:
        raise Http404("no engineer profile")
    # ISO weekday 1 is Monday; Django's WEEKDAYS (already translated) count Monday as 0.
    week = [
        {"name": WEEKDAYS[day - 1], "hours": [wh for wh in engineer.working_hours.all() if wh.weekday == day]}
        for day in range(1, 8)
    ]
    now = timezone.now()
    upcoming, recent = engineer_upcoming_and_recent(user=request.user, now=now)
    context = {
        "engineer": engineer,
        "week": week,
        "time_off": upcoming_time_off(engineer=engineer),
        "upcoming": [_engineer_row(booking, now) for booking in upcoming],
        "recent": [_engineer_row(booking, now) for booking in recent],
        "feed_url": request.build_absolute_uri(reverse("dispatch:calendar-feed", args=[engineer.calendar_token])),
    }
    return render(request, "dispatch/my_schedule.html", context)


@role_required(*access.ENGINEERS)
@require_POST
def calendar_rotate(request):
    """A new secret feed URL; calendars subscribed to the old one stop updating."""
    engineer = engineer_profile(user=request.user)
    if engineer is None:
        raise Http404("no engineer profile")
    engineer_rotate_calendar_token(engineer=engineer, by=request.user)
    messages.success(request, _("Your calendar link was renewed. Subscribe again with the new link."))
    return redirect("dispatch:my-schedule")


def _engineer_row(booking, now):
    booking.can_acknowledge = booking.allows("acknowledge")
    booking.can_complete = booking.allows("complete") and booking.start <= now
    return booking


def _engineer_booking(request, pk):
    # Only the engineer's own bookings exist for them; anything else is a 404.
    return get_object_or_404(engineer_bookings(user=request.user), pk=pk)


def _engineer_act(request, pk, action, form_class):
    return _act(
        request,
        _engineer_booking(request, pk),
        action,
        form_class=form_class,
        template="dispatch/_engineer_booking_row.html",
        back=reverse("dispatch:my-schedule"),
        after=lambda: _engineer_row(_engineer_booking(request, pk), timezone.now()),
    )


@require_POST
@role_required(*access.ENGINEERS)
def booking_acknowledge(request, pk):
    return _engineer_act(
        request, pk, lambda b, data: booking_services.booking_acknowledge(booking=b, by=request.user), forms.Form
    )


@require_POST
@role_required(*access.ENGINEERS)
def booking_complete(request, pk):
    return _engineer_act(
        request,
        pk,
        lambda b, data: booking_services.booking_complete(
            booking=b, by=request.user, actual_hours=data["actual_hours"]
        ),
        CompleteForm,
    )
