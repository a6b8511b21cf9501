from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.dates import WEEKDAYS

from dispatch.forms import EngineerSearchForm
from dispatch.selectors import engineer_grades, engineer_profile, engineer_search, upcoming_time_off
from presales.choices import Role
from presales.decorators import role_required

PAGE_SIZE = 50


@role_required(Role.SALES)
def find(request):
    # Always bound: with no criteria every field is empty and the search lists everyone.
    form = EngineerSearchForm(request.GET, grades=engineer_grades())
    page = None
    if form.is_valid():
        criteria = dict(form.cleaned_data)
        skill = criteria.pop("skill")
        criteria["skills"] = [skill] if skill else []
        engineers = engineer_search(**criteria, preferred_regions=list(request.user.regions.all()))
        page = Paginator(engineers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dispatch/find.html", {"form": form, "page": page, "query": _query_without_page(request)})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@role_required(Role.ENGINEER)
def my_schedule(request):
    engineer = engineer_profile(user=request.user)
    if engineer is None:
        raise Http404("no engineer profile")
    # ISO weekday 1 is Monday; Django's WEEKDAYS (already translated) count Monday as 0.
    week = [
        {"name": WEEKDAYS[day - 1], "hours": [wh for wh in engineer.working_hours.all() if wh.weekday == day]}
        for day in range(1, 8)
    ]
    context = {"engineer": engineer, "week": week, "time_off": upcoming_time_off(engineer=engineer)}
    return render(request, "dispatch/my_schedule.html", context)
