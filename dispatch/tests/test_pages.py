"""Dispatch pages: the engineer search reps run, and an engineer's own schedule."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from budgeting.models import Budget, LedgerEntry
from budgeting.services.ledger import budget_adjust
from budgeting.tests.factories import give_targets, open_budget
from dispatch.models import Booking, BookingStatus, Engineer, EngineerSkill, Rating, TimeOff, WorkingHours, WorkOrder
from dispatch.selectors.engineers import engineer_search
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create
from dispatch.services.engineers import engineer_upsert
from presales.choices import PresalesStage, Role
from presales.periods import Quarter
from presales.tests.factories import (
    CustomerFactory,
    OpportunityFactory,
    RateFactory,
    RegionFactory,
    SkillFactory,
    SolutionFactory,
    make_user,
)

# Dates come from now (next Monday, last week); no threads, workers or browser here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_engineer(username, *, region, grade="P3", solutions=(), skills=None, active=True):
    user = make_user(username, roles=[Role.ENGINEER], regions=[region])
    engineer = Engineer.objects.create(
        user=user, region=region, resource_type="presales", grade=grade, is_active=active
    )
    engineer.solutions.set(solutions)
    for skill, level in (skills or {}).items():
        EngineerSkill.objects.create(engineer=engineer, skill=skill, level=level)
    return engineer


@pytest.fixture
def pool(north, east):
    """Zhang (north, senior, city + k8s 5), Li (north, city + k8s 2), Wang (east, k8s 4), Zhao inactive."""
    city, cloud = SolutionFactory(code="city"), SolutionFactory(code="cloud")
    k8s, sql = SkillFactory(code="k8s"), SkillFactory(code="sql")
    return {
        "zhang": make_engineer("zhang", region=north, grade="P5", solutions=[city], skills={k8s: 5, sql: 1}),
        "li": make_engineer("li", region=north, grade="P3", solutions=[city, cloud], skills={k8s: 2, sql: 4}),
        "wang": make_engineer("wang", region=east, grade="P3", solutions=[cloud], skills={k8s: 4}),
        "zhao": make_engineer("zhao", region=north, grade="P5", solutions=[city], skills={k8s: 5}, active=False),
        "city": city,
        "cloud": cloud,
        "k8s": k8s,
        "sql": sql,
    }


def names(engineers) -> set[str]:
    return {engineer.user.username for engineer in engineers}


# --- The selector ------------------------------------------------------------------------------


def test_search_without_criteria_lists_active_engineers(pool):
    assert names(engineer_search()) == {"zhang", "li", "wang"}


def test_search_by_solution(pool):
    assert names(engineer_search(solution=pool["city"])) == {"zhang", "li"}


def test_search_by_skill_at_any_level(pool):
    assert names(engineer_search(skills=[pool["sql"]])) == {"zhang", "li"}


def test_search_by_skill_and_minimum_level_uses_the_same_skill(pool):
    assert names(engineer_search(skills=[pool["k8s"]], min_level=4)) == {"zhang", "wang"}
    # Zhang has sql only at level 1: his k8s 5 must not satisfy "sql ≥ 4".
    assert names(engineer_search(skills=[pool["sql"]], min_level=4)) == {"li"}


def test_search_by_minimum_level_alone_means_any_skill(pool):
    assert names(engineer_search(min_level=5)) == {"zhang"}


def test_search_by_region_and_grade(pool, north):
    assert names(engineer_search(region=north)) == {"zhang", "li"}
    assert names(engineer_search(grade="P3")) == {"li", "wang"}
    assert names(engineer_search(region=north, grade="P3")) == {"li"}


def test_search_combines_every_criterion(pool, north):
    found = engineer_search(solution=pool["cloud"], skills=[pool["k8s"]], min_level=2, region=north, grade="P3")
    assert names(found) == {"li"}


def test_search_lists_each_engineer_once(pool):
    assert engineer_search(min_level=1).count() == 3


# --- The find page ---------------------------------------------------------------------------


def rows(response) -> set[str]:
    return names(response.context["page"].object_list)


def test_find_page_filters_through_the_form(client, rep, pool):
    client.force_login(rep)
    url = reverse("dispatch:find")
    assert rows(client.get(url)) == {"zhang", "li", "wang"}
    assert rows(client.get(url, {"solution": "city"})) == {"zhang", "li"}
    assert rows(client.get(url, {"skill": "k8s", "min_level": "4"})) == {"zhang", "wang"}
    assert rows(client.get(url, {"region": "east"})) == {"wang"}
    assert rows(client.get(url, {"grade": "P5"})) == {"zhang"}
    assert rows(client.get(url, {"solution": "", "skill": "", "min_level": "", "region": "", "grade": ""})) == {
        "zhang",
        "li",
        "wang",
    }


def test_find_page_shows_engineers_and_their_schedule_board(client, rep, pool):
    client.force_login(rep)
    body = client.get(reverse("dispatch:find"), {"region": "east"}, **EN).content.decode()
    assert 'data-engineer="wang"' in body and 'data-engineer="zhang"' not in body
    assert "Skill k8s · 4" in body
    assert 'data-testid="schedule-board"' in body


def test_find_page_pages_through_the_ranking_and_forgives_bad_page_numbers(client, rep, pool, monkeypatch):
    monkeypatch.setattr("dispatch.views.bookings.PAGE_SIZE", 2)
    client.force_login(rep)
    url = reverse("dispatch:find")
    ranked = [engineer.user.username for engineer in engineer_search(preferred_regions=list(rep.regions.all()))]
    first, second = (client.get(url, {"page": number}).context["page"] for number in (1, 2))
    assert [e.user.username for e in first] + [e.user.username for e in second] == ranked
    assert first.paginator.count == 3 and second.number == 2 and not second.has_next()
    assert all(hasattr(engineer, "match_score") for engineer in first)  # the ranking's figures, set on each
    assert [e.user.username for e in client.get(url, {"page": "junk"}).context["page"]] == ranked[:2]
    assert [e.user.username for e in client.get(url, {"page": 99}).context["page"]] == ranked[2:]


def test_find_page_rejects_unknown_filter_values(client, rep, pool):
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"region": "nowhere", "min_level": "9"}, **EN)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert set(response.context["form"].errors) == {"region", "min_level"}


@pytest.mark.parametrize(
    "query",
    [{"min_level": "9"}, {"min_level": "0"}, {"min_rating": "6"}, {"min_rating": "4.555"}, {"skill": "nope"}],
    ids=["level-above", "level-below", "rating-above", "rating-digits", "unknown-skill"],
)
def test_find_page_and_api_refuse_bad_search_criteria_with_the_same_message(client, api, rep, pool, query):
    # One parser (dispatch.filters.EngineerFilter) behind both doors, so the same words.
    client.force_login(rep)
    page = client.get(reverse("dispatch:find"), query, **EN)
    api_response = api.as_user(rep).get("/api/v1/engineers/", query, **EN)
    (name,) = query
    assert page.context["page"] is None and api_response.status_code == 400
    assert page.context["form"].errors[name] == api_response.json()["fields"][name]


def test_find_page_and_api_refuse_a_window_ending_before_it_starts_with_the_same_message(
    client, api, rep, pool, monday
):
    client.force_login(rep)
    page = client.get(
        reverse("dispatch:find"), {"free_date": str(monday), "free_start": "11:00", "free_end": "10:00"}, **EN
    )
    start = dt.datetime.combine(monday, dt.time(11), tzinfo=timezone.get_current_timezone())
    window = {"free_from": start.isoformat(), "free_to": (start - dt.timedelta(hours=1)).isoformat()}
    api_response = api.as_user(rep).get("/api/v1/engineers/", window, **EN)
    assert page.context["form"].errors["free_end"] == api_response.json()["fields"]["free_to"]
    assert api_response.json()["fields"]["free_to"] == ["The window must end after it starts."]


def test_find_page_shows_when_nothing_matches(client, rep, pool):
    RegionFactory(code="west")
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"region": "west"}, **EN)
    assert "No engineers match these filters." in response.content.decode()


# --- My schedule -----------------------------------------------------------------------------


def test_my_schedule_shows_profile_skills_hours_and_upcoming_time_off(client, engineer_user, north):
    engineer = Engineer.objects.create(
        user=engineer_user, region=north, resource_type="presales", grade="P4", home_office="Beijing"
    )
    engineer.solutions.set([SolutionFactory(code="city", name="Smart City")])
    EngineerSkill.objects.create(engineer=engineer, skill=SkillFactory(code="k8s", name="Kubernetes"), level=4)
    WorkingHours.objects.create(engineer=engineer, weekday=1, start=dt.time(9), end=dt.time(12))
    WorkingHours.objects.create(engineer=engineer, weekday=1, start=dt.time(13, 30), end=dt.time(18))
    now = timezone.now()
    TimeOff.objects.create(engineer=engineer, start=now - dt.timedelta(days=10), end=now - dt.timedelta(days=9))
    TimeOff.objects.create(
        engineer=engineer, start=now + dt.timedelta(days=3), end=now + dt.timedelta(days=4), reason="Annual leave"
    )
    client.force_login(engineer_user)
    response = client.get(reverse("dispatch:my-schedule"), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("王工 Wang", "Beijing", "P4", "Smart City", "Kubernetes", "09:00–12:00, 13:30–18:00", "Annual leave"):
        assert text in body
    assert "Monday" in body and "Not working" in body
    assert list(response.context["time_off"]) == [engineer.time_off.get(reason="Annual leave")]


def test_my_schedule_is_404_without_an_engineer_profile(client, engineer_user):
    client.force_login(engineer_user)
    assert client.get(reverse("dispatch:my-schedule")).status_code == 404


# --- Booking from the schedule board ---------------------------------------------------------
# Data for the pages below: one rep with an opportunity past qualification and a budget, and
# engineers working Monday–Friday 09:00–18:00 in Shanghai. Slots are on next week's Monday, so
# "in the past" never fires and weekends never get in the way.

WEEKDAYS_9_TO_6 = [(day, dt.time(9), dt.time(18)) for day in range(1, 6)]
HTMX = {"HTTP_HX_REQUEST": "true"}


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def working_engineer(username, *, region, skills=None, time_off=(), grade="P3", display_name=""):
    user = make_user(username, roles=[Role.ENGINEER], regions=[region], display_name=display_name)
    return engineer_upsert(
        user=user,
        region=region,
        resource_type="presales",
        grade=grade,
        time_zone="Asia/Shanghai",
        solutions=[],
        skills=skills or {},
        working_hours=WEEKDAYS_9_TO_6,
        time_off=list(time_off),
    )


def book(rep, engineer, opportunity, start, hours=1, **extra):
    return booking_create(
        by=rep,
        engineer=engineer,
        opportunity=opportunity,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity="exchange",
        start=start,
        end=start + dt.timedelta(hours=hours),
        notify=False,
        **extra,
    )


@pytest.fixture
def monday():
    return next_monday()


@pytest.fixture
def desk(rep, other_rep, engineer_user, north, east, monday):
    """Wang (the engineer persona, 500/h) and Zhang (senior, 800/h); the rep's deal and budget."""
    RateFactory(resource_type="presales", grade="P3", hourly_rate=Decimal("500.00"))
    RateFactory(resource_type="presales", grade="P5", hourly_rate=Decimal("800.00"))
    k8s = SkillFactory(code="k8s", name="Kubernetes")
    wang = engineer_upsert(
        user=engineer_user,
        region=north,
        resource_type="presales",
        grade="P3",
        time_zone="Asia/Shanghai",
        solutions=[],
        skills={k8s: 4},
        working_hours=WEEKDAYS_9_TO_6,
        time_off=[],
    )
    zhang = working_engineer("zhang", region=east, skills={k8s: 5}, grade="P5", display_name="张工 Zhang")
    deal = OpportunityFactory(name="Harbour Deal", owner=rep, customer=CustomerFactory(region=north))
    other_deal = OpportunityFactory(name="Other Deal", owner=other_rep, customer=CustomerFactory(region=north))
    period = str(Quarter.of(at(monday, 10)))
    budget = open_budget(rep, period, allocated="100000.00")
    open_budget(other_rep, period, allocated="100000.00")
    return SimpleNamespace(
        wang=wang, zhang=zhang, k8s=k8s, deal=deal, other_deal=other_deal, budget=budget, period=period
    )


def board_cells(response, username) -> dict[str, str]:
    """The board row of one engineer as {"2026-04-06T10:00": state}, each board hour read from
    the segment holding its start (the board draws segments, not hour cells)."""
    row = next(row for row in response.context["board"] if row["engineer"].user.username == username)
    tz = timezone.get_current_timezone()
    cells = {}
    for segments in row["days"]:
        for segment in segments:
            moment = segment.start.astimezone(tz).replace(minute=0)
            while moment < segment.end:
                if moment >= segment.start:
                    cells[moment.strftime("%Y-%m-%dT%H:%M")] = segment.state
                moment += dt.timedelta(hours=1)
    return cells


def slot(day: dt.date, hour: int) -> str:
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def written() -> tuple[int, int, int, int]:
    return Booking.objects.count(), WorkOrder.objects.count(), LedgerEntry.objects.count(), Budget.objects.count()


def test_find_ranks_by_match_score_and_explains_it(client, rep, desk):
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"skill": "k8s"}, **EN)
    engineers = list(response.context["page"].object_list)
    assert [e.user.username for e in engineers] == ["engineer", "zhang"]  # local and cheaper beats senior
    assert engineers[0].match_score > engineers[1].match_score
    body = response.content.decode()
    # Wang: skill 4/5, no ratings (prior 3/5), preferred region, the cheapest rate.
    assert "skill 0.80×40 + rating 0.60×30 + region 1.00×15 + cost 1.00×15 = 80.0" in body
    assert 'data-figure="rate">500.00<' in body and 'data-figure="rate">800.00<' in body
    assert "not rated" in body


def test_find_filters_by_resource_type_grade_rating_and_free_window(client, rep, desk, monday):
    book(rep, desk.zhang, desk.deal, at(monday, 10))
    client.force_login(rep)
    url = reverse("dispatch:find")
    window = {"free_date": str(monday), "free_start": "10:30", "free_end": "11:30"}
    assert rows(client.get(url, window)) == {"engineer"}  # Zhang is booked 10–11
    assert rows(client.get(url, window | {"free_start": "11:00", "free_end": "12:00"})) == {"engineer", "zhang"}
    assert rows(client.get(url, window | {"free_start": "18:00", "free_end": "19:00"})) == set()  # after hours
    assert rows(client.get(url, {"grade": "P5", "resource_type": "presales"})) == {"zhang"}
    assert rows(client.get(url, {"min_rating": "4"})) == set()  # nobody is rated yet
    incomplete = client.get(url, {"free_date": str(monday), "free_start": "10:00"}, **EN)
    assert incomplete.context["page"] is None and "free_end" in incomplete.context["form"].errors


def test_board_draws_bookings_time_off_and_free_cells(client, rep, other_rep, desk, monday):
    book(rep, desk.wang, desk.deal, at(monday, 10), hours=2)
    book(other_rep, desk.zhang, desk.other_deal, at(monday, 14))
    TimeOff.objects.create(
        engineer=desk.zhang, start=at(monday + dt.timedelta(days=1), 0), end=at(monday, 0) + dt.timedelta(days=2)
    )
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"week": str(monday)}, **EN)
    wang, zhang = board_cells(response, "engineer"), board_cells(response, "zhang")
    assert [wang[slot(monday, h)] for h in (8, 9, 10, 11, 12, 17, 18)] == [
        "off",
        "free",
        "booking",
        "booking",
        "free",
        "free",
        "off",
    ]
    assert zhang[slot(monday, 14)] == "booking" and zhang[slot(monday + dt.timedelta(days=1), 10)] == "time_off"
    assert wang[slot(monday + dt.timedelta(days=5), 10)] == "off"  # Saturday
    body = response.content.decode()
    assert "booked by you for Harbour Deal" in body
    assert "Other Deal" not in body  # another rep's deal is only "booked"
    assert 'class="seg seg-booking seg-mine"' in body  # the board draws Monday, the week's first day
    free = f'data-state="free" data-start="{at(monday, 9).isoformat()}" data-end="{at(monday, 10).isoformat()}"'
    assert free in body and 'id="booking-panel"' in body
    tuesday = client.get(reverse("dispatch:find"), {"week": str(monday), "day": str(monday + dt.timedelta(days=1))})
    assert 'class="seg seg-time_off"' in tuesday.content.decode()


def test_board_week_navigation_keeps_the_search(client, rep, desk, monday):
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"skill": "k8s", "week": str(monday)}, **EN)
    assert response.context["days"][0] == monday
    body = response.content.decode()
    assert f"skill=k8s&amp;week={monday + dt.timedelta(days=7)}" in body
    assert f"skill=k8s&amp;week={monday - dt.timedelta(days=7)}" in body
    # A free window's day picks its week when no week is given.
    response = client.get(
        reverse("dispatch:find"),
        {"free_date": str(monday + dt.timedelta(days=2)), "free_start": "10:00", "free_end": "11:00"},
    )
    assert response.context["days"][0] == monday


def test_board_queries_do_not_grow_with_the_number_of_engineers(client, rep, desk, monday, north):
    client.force_login(rep)
    url = reverse("dispatch:find")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"week": str(monday)}).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        engineer = working_engineer(f"extra{n}", region=north, skills={desk.k8s: 3})
        book(rep, engineer, desk.deal, at(monday, 9 + n))
        TimeOff.objects.create(engineer=engineer, start=at(monday, 16), end=at(monday, 17))
    assert queries() == few


def test_confirmation_shows_cost_and_budget_after_and_writes_nothing(client, rep, desk, monday):
    client.force_login(rep)
    before = written()
    params = {"engineer": desk.zhang.pk, "start": slot(monday, 10), "opportunity": desk.deal.pk, "hours": "3"}
    response = client.get(reverse("dispatch:book"), params, **EN, **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "dispatch/_confirm.html"
    quote = response.context["quote"]
    assert (quote["cost"], quote["remaining"], quote["remaining_after"]) == (
        Decimal("2400.00"),
        Decimal("100000.00"),
        Decimal("97600.00"),
    )
    body = response.content.decode()
    assert 'data-figure="cost">2,400.00<' in body and 'data-figure="remaining-after" class="">97,600.00<' in body
    assert written() == before


def test_confirmation_does_not_open_a_missing_budget(client, rep, desk, monday):
    client.force_login(rep)
    later = monday + dt.timedelta(days=140)  # another quarter, whose budget is not open yet
    later -= dt.timedelta(days=later.weekday())
    give_targets(rep, str(Quarter.of(at(later, 10))), A="1000000.00")
    before = written()
    params = {"engineer": desk.wang.pk, "start": slot(later, 10), "opportunity": desk.deal.pk}
    response = client.get(reverse("dispatch:book"), params, **HTMX)
    assert response.context["quote"]["remaining"] == Decimal("15000.00")  # what it would open with
    assert written() == before


def test_booking_in_place_reserves_and_redraws(client, rep, desk, monday):
    client.force_login(rep)
    data = {
        "engineer": desk.wang.pk,
        "start": slot(monday, 10),
        "hours": "2",
        "opportunity": desk.deal.pk,
        "stage": "value_presentation",
        "activity": "poc",
        "note": "Demo",
        "back": "skill=k8s",
    }
    response = client.post(reverse("dispatch:book"), data, **EN, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "booking-created"
    booking = Booking.objects.get()
    assert (booking.engineer, booking.start, booking.end, booking.cost) == (
        desk.wang,
        at(monday, 10),
        at(monday, 12),
        Decimal("1000.00"),
    )
    assert booking.work_order.opportunity == desk.deal and booking.activity == "poc"
    body = response.content.decode()
    assert 'data-testid="booking-success"' in body and "99,000.00" in body
    desk.budget.refresh_from_db()
    assert desk.budget.reserved == Decimal("1000.00")
    # The board, reloaded as the page does after the trigger, draws it busy; the figure follows.
    page = client.get(reverse("dispatch:find"), {"week": str(monday)}, **EN)
    assert board_cells(page, "engineer")[slot(monday, 11)] == "booking"
    assert 'data-figure="remaining">99,000.00<' in page.content.decode()


def test_booking_without_javascript_redirects_back_to_the_search(client, rep, desk, monday):
    client.force_login(rep)
    data = {
        "engineer": desk.wang.pk,
        "start": slot(monday, 10),
        "hours": "1",
        "opportunity": desk.deal.pk,
        "stage": "value_presentation",
        "activity": "exchange",
        "back": "skill=k8s&week=" + str(monday),
    }
    response = client.post(reverse("dispatch:book"), data, **EN)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dispatch:find')}?skill=k8s&week={monday}"
    assert Booking.objects.count() == 1
    # The confirmation page works without htmx too.
    page = client.get(
        reverse("dispatch:book"),
        {"engineer": desk.zhang.pk, "start": slot(monday, 10), "opportunity": desk.deal.pk},
        **EN,
    )
    assert page.templates[0].name == "dispatch/book.html"


def _range(desk, day: dt.date, start: str, end: str) -> dict:
    """A range selected on Wang's board row, as the board asks the confirmation for it."""
    return {"engineer": desk.wang.pk, "start": f"{day}T{start}", "end": f"{day}T{end}", "opportunity": desk.deal.pk}


def test_a_range_on_the_board_is_quoted_and_booked_exactly(client, rep, desk, monday):
    """Any range snapped to 15 minutes, not whole hours: the seed's 13:30–14:30."""
    client.force_login(rep)
    params = _range(desk, monday, "13:30", "14:30")
    quote = client.get(reverse("dispatch:book"), params, **EN, **HTMX).context["quote"]
    assert (quote["hours"], quote["cost"]) == (Decimal("1.00"), Decimal("500.00"))
    data = params | {"stage": "value_presentation", "activity": "exchange"}
    response = client.post(reverse("dispatch:book"), data, **EN, **HTMX)
    assert 'data-testid="booking-success"' in response.content.decode()
    booking = Booking.objects.get()
    assert (booking.start, booking.end, booking.cost) == (at(monday, 13, 30), at(monday, 14, 30), Decimal("500.00"))
    # Without JavaScript the typed range gets the full confirmation page.
    page = client.get(reverse("dispatch:book"), _range(desk, monday, "15:15", "16:00"), **EN)
    assert page.templates[0].name == "dispatch/book.html" and page.context["quote"]["hours"] == Decimal("0.75")


def test_a_range_ending_before_it_starts_is_refused_and_writes_nothing(client, rep, desk, monday):
    client.force_login(rep)
    data = _range(desk, monday, "14:30", "13:30") | {"stage": "value_presentation", "activity": "exchange"}
    response = client.post(reverse("dispatch:book"), data, **EN, **HTMX)
    assert "The booking must end after it starts." in response.content.decode()
    assert not Booking.objects.exists()


def test_after_a_booking_only_the_row_and_the_budget_reload(client, rep, desk, monday):
    book(rep, desk.wang, desk.deal, at(monday, 13, 30), hours=1)
    client.force_login(rep)
    query = {"engineer": desk.wang.pk, "free_date": str(monday), "free_start": "13:30", "free_end": "14:30"}
    response = client.get(reverse("dispatch:board-lane"), query, **EN, **HTMX)
    body = response.content.decode()
    assert body.count("<td") == 1 and f'id="lane-{desk.wang.pk}"' in body
    start, end = at(monday, 13, 30).isoformat(), at(monday, 14, 30).isoformat()
    busy = f'data-state="booking" data-start="{start}" data-end="{end}"'
    assert busy in body and 'class="lane-window"' in body
    assert 'hx-swap-oob="true"' in body and 'data-figure="remaining">99,500.00<' in body
    assert client.get(reverse("dispatch:board-lane"), {"engineer": "0"}).status_code == 404


def _post_booking(client, desk, start, *, opportunity=None, hours="1", engineer=None):
    data = {
        "engineer": (engineer or desk.wang).pk,
        "start": start,
        "hours": hours,
        "opportunity": (opportunity or desk.deal).pk,
        "stage": "value_presentation",
        "activity": "exchange",
    }
    return client.post(reverse("dispatch:book"), data, **EN, **HTMX)


def test_refused_bookings_are_shown_in_place_and_write_nothing(client, rep, other_rep, desk, monday):
    book(other_rep, desk.wang, desk.other_deal, at(monday, 10))
    TimeOff.objects.create(engineer=desk.wang, start=at(monday, 14), end=at(monday, 16))
    client.force_login(rep)
    before = written()
    cases = [
        (slot(monday, 10), {}, "is already booked at that time"),  # SlotUnavailable
        (slot(monday, 14), {}, "is on leave at that time"),  # SlotUnavailable
        (slot(monday, 17), {"hours": "2"}, "does not work at that time"),  # SlotUnavailable
        (slot(monday - dt.timedelta(days=7), 10), {}, "The start is in the past."),  # ValidationFailed
    ]
    for start, extra, message in cases:
        response = _post_booking(client, desk, start, **extra)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="booking-error"' in body and message in body, message
        assert "HX-Trigger" not in response
    # Another rep's opportunity is not one of the choices.
    response = _post_booking(client, desk, slot(monday, 11), opportunity=desk.other_deal)
    assert "Select a valid choice" in response.content.decode()
    assert written() == before


def test_budget_exceeded_is_shown_in_place_and_writes_nothing(client, rep, desk, monday):
    client.force_login(rep)
    budget_adjust(
        budget=desk.budget, amount=Decimal("-99500.00"), reason="cut", by=make_user("boss", roles=[Role.ADMIN])
    )
    before = written()
    response = _post_booking(client, desk, slot(monday, 10), hours="2")  # 1,000 > 500 left
    body = response.content.decode()
    assert 'data-testid="booking-error"' in body and "only 500.00 remains" in body
    assert written() == before


# --- My bookings (reps) ------------------------------------------------------------------------


def test_my_bookings_lists_own_bookings_with_status_delay_and_cost(client, rep, other_rep, desk, monday):
    mine = book(rep, desk.wang, desk.deal, at(monday, 10), desired_start=at(monday, 10))
    late = book(rep, desk.zhang, desk.deal, at(monday, 14), desired_start=at(monday - dt.timedelta(days=6), 9))
    book(other_rep, desk.wang, desk.other_deal, at(monday, 15))
    client.force_login(rep)
    response = client.get(reverse("dispatch:my-bookings"), **EN)
    assert [b.pk for b in response.context["rows"]] == [late.pk, mine.pk]
    body = response.content.decode()
    assert "Other Deal" not in body
    assert 'data-delay="on_time"' in body and 'data-delay="severe"' in body
    assert "500.00" in body and "800.00" in body and 'data-status="booked"' in body
    assert body.count('data-testid="cancel-booking"') == 2


def test_rep_cancels_in_place(client, rep, desk, monday):
    booking = book(rep, desk.wang, desk.deal, at(monday, 10))
    client.force_login(rep)
    response = client.post(reverse("dispatch:booking-cancel", args=[booking.pk]), **EN, **HTMX)
    assert response.status_code == 200
    assert 'data-status="cancelled"' in response.content.decode()
    booking.refresh_from_db()
    desk.budget.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and desk.budget.reserved == 0


def test_a_cancelled_booking_shows_its_cost_released_not_reserved(client, rep, desk, monday):
    booking = book(rep, desk.wang, desk.deal, at(monday, 10))
    client.force_login(rep)
    row = client.post(reverse("dispatch:booking-cancel", args=[booking.pk]), **EN, **HTMX).content.decode()
    assert 'data-testid="cost-released"' in row and "reserved, " not in row
    for url in (reverse("dispatch:my-bookings"), reverse("dispatch:work_order", args=[booking.work_order_id])):
        page = client.get(url, **EN).content.decode()
        assert "<del>500.00</del>" in page and "released: cancelled" in page, url
        assert "reserved, 1 h" not in page, url
    assert "已释放（已取消）" in client.get(reverse("dispatch:my-bookings")).content.decode()


def test_rep_cannot_act_on_another_reps_booking(client, rep, other_rep, desk, monday):
    booking = book(other_rep, desk.wang, desk.other_deal, at(monday, 10))
    client.force_login(rep)
    before = written()
    assert client.post(reverse("dispatch:booking-cancel", args=[booking.pk])).status_code == 404
    assert client.post(reverse("dispatch:booking-rate", args=[booking.pk]), {"score": "5"}).status_code == 404
    assert written() == before
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_rep_rates_a_completed_booking_once(client, rep, desk):
    past_monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    open_budget(rep, str(Quarter.of(at(past_monday, 10))), allocated="100000.00")
    booking = book(rep, desk.wang, desk.deal, at(past_monday, 10), allow_past=True)
    booking_acknowledge(booking=booking, by=desk.wang.user)
    booking_complete(booking=booking, by=desk.wang.user, actual_hours="1")
    client.force_login(rep)
    row = client.get(reverse("dispatch:my-bookings"), **EN).content.decode()
    assert 'data-testid="rate-booking"' in row and 'data-testid="cancel-booking"' not in row
    url = reverse("dispatch:booking-rate", args=[booking.pk])
    refused = client.post(url, {"score": "9"}, **EN, **HTMX).content.decode()
    assert 'data-testid="row-error"' in refused and not Rating.objects.exists()
    response = client.post(url, {"score": "4", "comment": "Solid"}, **EN, **HTMX)
    assert 'data-testid="rating">4 ★' in response.content.decode()
    assert Rating.objects.get().score == 4
    again = client.post(url, {"score": "1"}, **EN, **HTMX).content.decode()
    assert "this is not possible now" in again and Rating.objects.get().score == 4


def test_rep_cannot_cancel_a_started_booking(client, rep, desk):
    past_monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    open_budget(rep, str(Quarter.of(at(past_monday, 10))), allocated="100000.00")
    booking = book(rep, desk.wang, desk.deal, at(past_monday, 10), allow_past=True)
    client.force_login(rep)
    response = client.post(reverse("dispatch:booking-cancel", args=[booking.pk]), **EN, **HTMX)
    assert "already started" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    # Without htmx the refusal comes back as a message on the page.
    response = client.post(reverse("dispatch:booking-cancel", args=[booking.pk]), follow=True, **EN)
    assert "already started" in response.content.decode()


# --- My schedule (engineers) -------------------------------------------------------------------


def test_engineer_sees_own_bookings_and_acknowledges(client, rep, engineer_user, desk, monday):
    mine = book(rep, desk.wang, desk.deal, at(monday, 10))
    theirs = book(rep, desk.zhang, desk.deal, at(monday, 14))
    client.force_login(engineer_user)
    response = client.get(reverse("dispatch:my-schedule"), **EN)
    assert [b.pk for b in response.context["upcoming"]] == [mine.pk]
    body = response.content.decode()
    assert "Harbour Deal" in body and 'data-testid="acknowledge-booking"' in body
    assert f'data-booking="{theirs.pk}"' not in body
    response = client.post(reverse("dispatch:booking-acknowledge", args=[mine.pk]), **EN, **HTMX)
    assert 'data-status="acknowledged"' in response.content.decode()
    assert 'data-testid="acknowledge-booking"' not in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == BookingStatus.ACKNOWLEDGED and mine.acknowledged_by == engineer_user


def test_engineer_cannot_act_on_another_engineers_booking(client, rep, engineer_user, desk, monday):
    theirs = book(rep, desk.zhang, desk.deal, at(monday, 14))
    client.force_login(engineer_user)
    assert client.post(reverse("dispatch:booking-acknowledge", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("dispatch:booking-complete", args=[theirs.pk]), {"actual_hours": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.BOOKED


def test_engineer_completes_a_started_booking_with_actual_hours(client, rep, engineer_user, desk):
    past_monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    budget = open_budget(rep, str(Quarter.of(at(past_monday, 10))), allocated="100000.00")
    booking = book(rep, desk.wang, desk.deal, at(past_monday, 10), hours=2, allow_past=True)
    booking_acknowledge(booking=booking, by=engineer_user)
    client.force_login(engineer_user)
    body = client.get(reverse("dispatch:my-schedule"), **EN).content.decode()
    assert [b.pk for b in client.get(reverse("dispatch:my-schedule")).context["recent"]] == [booking.pk]
    assert 'data-testid="complete-booking"' in body
    url = reverse("dispatch:booking-complete", args=[booking.pk])
    refused = client.post(url, {"actual_hours": "0"}, **EN, **HTMX).content.decode()
    assert 'data-testid="row-error"' in refused
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACKNOWLEDGED
    response = client.post(url, {"actual_hours": "1.5"}, **EN, **HTMX)
    assert 'data-status="completed"' in response.content.decode()
    booking.refresh_from_db()
    budget.refresh_from_db()
    assert (booking.actual_hours, booking.charged, budget.spent, budget.reserved) == (
        Decimal("1.50"),
        Decimal("750.00"),
        Decimal("750.00"),
        Decimal("0.00"),
    )


def test_engineer_cannot_complete_before_the_start(client, rep, engineer_user, desk, monday):
    booking = book(rep, desk.wang, desk.deal, at(monday, 10))
    booking_acknowledge(booking=booking, by=engineer_user)
    client.force_login(engineer_user)
    body = client.get(reverse("dispatch:my-schedule"), **EN).content.decode()
    assert 'data-testid="complete-booking"' not in body
    response = client.post(reverse("dispatch:booking-complete", args=[booking.pk]), {"actual_hours": "1"}, **EN, **HTMX)
    assert "has not started yet" in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "method", "allowed"),
    [
        ("dispatch:my-bookings", "get", "rep"),
        ("dispatch:book", "get", "rep"),
        ("dispatch:booking-cancel", "post", "rep"),
        ("dispatch:booking-rate", "post", "rep"),
        ("dispatch:booking-acknowledge", "post", "engineer_user"),
        ("dispatch:booking-complete", "post", "engineer_user"),
    ],
)
def test_dispatch_pages_are_for_their_role(client, request, rep, engineer_user, manager, url_name, method, allowed):
    args = [1] if "booking-" in url_name else []
    for persona in ("rep", "engineer_user", "manager"):
        client.force_login(request.getfixturevalue(persona))
        status = getattr(client, method)(reverse(url_name, args=args)).status_code
        assert (status != 403) == (persona == allowed), (persona, status)


def test_booking_actions_refuse_get(client, rep):
    client.force_login(rep)
    assert client.get(reverse("dispatch:booking-cancel", args=[1])).status_code == 405


def test_the_engineer_sees_their_calendar_link_and_can_renew_it(client, engineer_user, north):
    from dispatch.tests.engineers import make_engineer

    engineer = make_engineer(engineer_user, region=north)
    client.force_login(engineer_user)
    page = client.get(reverse("dispatch:my-schedule")).content.decode()
    old = reverse("dispatch:calendar-feed", args=[engineer.calendar_token])
    assert old in page
    assert client.get(old).status_code == 200
    assert client.get(reverse("dispatch:calendar-rotate")).status_code == 405
    response = client.post(reverse("dispatch:calendar-rotate"))
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert client.get(old).status_code == 404
    assert (
        reverse("dispatch:calendar-feed", args=[engineer.calendar_token])
        in client.get(reverse("dispatch:my-schedule")).content.decode()
    )


def test_a_manager_searches_and_sees_schedules_but_cannot_book(client, manager, north):
    from dispatch.tests.engineers import make_engineer
    from presales.tests.factories import make_user

    make_engineer(make_user("zhao", roles=[Role.ENGINEER], regions=[north]), region=north)
    client.force_login(manager)
    page = client.get(reverse("dispatch:find"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="search-only"' in page
    assert 'data-state="free"' in page and '<a class="slot slot-free"' not in page  # drawn, not offered
    assert client.get(reverse("dispatch:book")).status_code == 403
