from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from budgeting.filters import LedgerPageFilter
from budgeting.forms import AdjustForm
from budgeting.models import LedgerKind
from budgeting.selectors.budgets import (
    budget_list,
    budget_periods,
    budget_summary,
    ledger_for,
    sales_targets_by_quarter,
)
from budgeting.services.ledger import budget_adjust, can_adjust
from presales import access
from presales.choices import CustomerTier
from presales.decorators import role_required
from presales.exceptions import ApplicationError
from presales.feedback import keep_typed, message_refusal
from presales.periods import Quarter, validate_quarter
from presales.spreadsheet import csv_response

PAGE_SIZE = 50
LEDGER_PARAMS = ("kind", "from", "to")


def _period(request) -> str:
    """The quarter asked for, by the API's rule (``validate_quarter``); without one, the current
    quarter, and so for one that is not a quarter (an edited address), which is said."""
    value = request.GET.get("period", "")
    try:
        validate_quarter(value)
    except ValidationError as error:
        if value:
            messages.error(request, error.messages[0])
        return str(Quarter.of(timezone.now()))
    return str(Quarter.parse(value))


def _ledger_context(request, budget) -> dict:
    ledger = LedgerPageFilter(request.GET, queryset=ledger_for(budget=budget))
    page = Paginator(ledger.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [(key, value) for key in LEDGER_PARAMS for value in request.GET.getlist(key) if value]
    query = [(key, value) for key, values in request.GET.lists() if key != "page" for value in values]
    return {
        **budget_summary(budget=budget),
        "ledger_page": page,
        "page": page,
        "query": urlencode(query),
        "csv_query": urlencode(filters),
        "kinds": LedgerKind.choices,
        "selected_kinds": request.GET.getlist("kind"),
        "filter_from": request.GET.get("from", ""),
        "filter_to": request.GET.get("to", ""),
        # A filter that cannot be read is left out of the list and said next to its input.
        "filter_errors": ledger.form.errors if ledger.is_bound else {},
    }


@role_required(*access.REPS)
def mine(request):
    period = _period(request)
    budget = budget_list(user=request.user, period=period).filter(owner=request.user).first()
    context = {
        "tiers": CustomerTier.choices,
        "rows": sales_targets_by_quarter(rep=request.user),
        "period": period,
        "periods": sorted(set(budget_periods(user=request.user, owner=request.user)) | {period}, reverse=True),
        "budget": budget,
    }
    if budget is not None:
        context.update(_ledger_context(request, budget))
    return render(request, "budgeting/mine.html", context)


@role_required(*access.REPS_MANAGERS_AND_ADMINS)
def detail(request, pk):
    budget = get_object_or_404(budget_list(user=request.user), pk=pk)
    context = {"budget": budget, "period": budget.period, **_ledger_context(request, budget)}
    return render(request, "budgeting/detail.html", context)


@role_required(*access.REPS_MANAGERS_AND_ADMINS)
def ledger_csv(request, pk):
    budget = get_object_or_404(budget_list(user=request.user), pk=pk)
    entries = LedgerPageFilter(request.GET, queryset=ledger_for(budget=budget)).qs
    rows = (
        [
            entry.at.isoformat(),
            entry.kind,
            entry.amount,
            entry.booking_id or "",
            entry.by.name if entry.by else "",
            entry.reason,
            entry.overrun,
        ]
        for entry in entries
    )
    return csv_response(
        filename=f"ledger-{budget.period}-{budget.owner_id}.csv",
        header=[_("At"), _("Kind"), _("Amount"), _("Booking"), _("By"), _("Reason"), _("Overrun")],
        rows=rows,
    )


@role_required(*access.MANAGERS_AND_ADMINS)
def team(request):
    period = _period(request)
    budgets = budget_list(user=request.user, period=period).exclude(owner=request.user)
    rows = [
        {**budget_summary(budget=budget), "can_adjust": can_adjust(user=request.user, budget=budget)}
        for budget in budgets
    ]
    context = {
        "period": period,
        "periods": sorted(set(budget_periods(user=request.user)) | {period}, reverse=True),
        "rows": rows,
    }
    return render(request, "budgeting/team.html", context)


@require_POST
@role_required(*access.MANAGERS_AND_ADMINS)
def adjust(request, pk):
    budget = get_object_or_404(budget_list(user=request.user), pk=pk)
    back = f"{reverse('budgeting:team')}?{urlencode({'period': budget.period})}"
    form = AdjustForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        keep_typed(request)
        return redirect(back)
    try:
        budget_adjust(
            budget=budget, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as error:
        message_refusal(request, error)
        keep_typed(request)
        return redirect(back)
    messages.success(
        request,
        _("Budget of %(rep)s adjusted by %(amount)s.")
        % {"rep": budget.owner.name, "amount": form.cleaned_data["amount"]},
    )
    return redirect(back)
