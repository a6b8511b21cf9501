"""Work-order pages: New work order, My work orders, a work order's page, the find page opened
from one, the booking form's desired start, and the opportunity page's list of work orders."""

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from budgeting.models import Budget
from dispatch.models import Booking, BookingStatus, WorkOrder
from dispatch.services.bookings import work_order_cancel
from dispatch.services.work_orders import work_order_create
from dispatch.tests import test_pages
from dispatch.tests.test_pages import EN, HTMX, at, book, slot, written
from dispatch.views import work_orders as work_order_views
from dispatch.views.visibility import due_in
from presales.choices import PresalesStage, Role
from presales.models import User
from presales.tests.factories import CustomerFactory, OpportunityFactory, SkillFactory, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# The booking pages' data: a rep with a deal and a budget, Wang and Zhang working 09:00–18:00.
desk, monday = test_pages.desk, test_pages.monday


@pytest.fixture
def shop(desk):
    """The desk, with both engineers practising the deal's solution (a work order asks for it)."""
    for engineer in (desk.wang, desk.zhang):
        engineer.solutions.add(desk.deal.solution, desk.other_deal.solution)
    return desk


def open_work_order(rep, deal, start, *, hours=2, skills=(), needed=1, **extra):
    return work_order_create(
        by=rep,
        opportunity=deal,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity="exchange",
        desired_start=start,
        desired_end=start + dt.timedelta(hours=hours),
        skills=skills,
        engineers_needed=needed,
        **extra,
    )


def new_form(shop, monday, **changes) -> dict:
    data = {
        "opportunity": shop.deal.pk,
        "stage": "bid_preparation",
        "activity": "workshop",
        "solution": "",
        "resource_type": "",
        "grade": "",
        "engineers_needed": "2",
        "desired_start": f"{monday:%Y-%m-%d}T10:00",
        "desired_end": f"{monday:%Y-%m-%d}T12:00",
        "hours": "4",
        "note": "Bring the demo kit",
        "skills-TOTAL_FORMS": "3",
        "skills-INITIAL_FORMS": "0",
        "skills-MIN_NUM_FORMS": "0",
        "skills-MAX_NUM_FORMS": "20",
        "skills-0-skill": "k8s",
        "skills-0-min_level": "4",
        "skills-1-skill": "",
        "skills-1-min_level": "1",
        "skills-2-skill": "",
        "skills-2-min_level": "1",
    }
    return data | changes


# --- New work order ------------------------------------------------------------------------------


def test_new_work_order_is_prefilled_from_the_opportunity(client, rep, shop):
    client.force_login(rep)
    response = client.get(reverse("dispatch:work_order_new"), {"opportunity": shop.deal.pk}, **EN)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["opportunity"].value() == shop.deal.pk and form["stage"].value() == shop.deal.stage
    assert form["solution"].value() == shop.deal.solution.code and form["engineers_needed"].value() == 1
    body = response.content.decode()
    assert 'type="datetime-local"' in body and 'name="skills-2-skill"' in body
    # Another rep's opportunity is not offered.
    assert shop.other_deal.name not in body


def test_opening_a_work_order_stores_the_request_and_shows_it(client, rep, shop, monday):
    sql = SkillFactory(code="sql", name="SQL")
    client.force_login(rep)
    data = new_form(shop, monday, **{"skills-1-skill": "sql", "skills-1-min_level": "2"})
    response = client.post(reverse("dispatch:work_order_new"), data, **EN)
    work_order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:work_order", args=[work_order.pk])
    assert (work_order.opportunity, work_order.stage, work_order.activity, work_order.solution) == (
        shop.deal,
        "bid_preparation",
        "workshop",
        shop.deal.solution,  # empty: the opportunity's
    )
    assert (work_order.desired_start, work_order.desired_end) == (at(monday, 10), at(monday, 12))
    assert (work_order.engineers_needed, work_order.hours, work_order.note) == (
        2,
        Decimal("4.00"),
        "Bring the demo kit",
    )
    assert {(s.skill, s.min_level) for s in work_order.skills.all()} == {(shop.k8s, 4), (sql, 2)}
    assert Booking.objects.count() == 0 and Budget.objects.get(pk=shop.budget.pk).reserved == 0  # no money moves
    page = client.get(response["Location"], **EN)
    body = page.content.decode()
    assert "Kubernetes ≥ 4" in body and "SQL ≥ 2" in body and "0 of 2 booked" in body
    assert 'data-wo-status="open"' in body and 'data-delay="pending"' in body
    assert f"{monday:%Y-%m-%d} 10:00 – 12:00" in body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"desired_end": "X"}, "desired_end", "Enter a valid date/time."),
        ({"engineers_needed": "21"}, "engineers_needed", "A work order needs 1 to 20 engineers."),
        ({"desired_end": "{day}T09:00"}, "desired_end", "The end must be after the start."),
        ({"hours": "800"}, "hours", "Estimated hours are more than 0 and at most 744."),
        ({"skills-1-skill": "k8s"}, None, "Each skill once."),
    ],
)
def test_a_refused_work_order_keeps_what_was_typed(client, rep, shop, monday, changes, field, message):
    client.force_login(rep)
    changes = {key: value.replace("{day}", f"{monday:%Y-%m-%d}") for key, value in changes.items()}
    response = client.post(reverse("dispatch:work_order_new"), new_form(shop, monday, **changes), **EN)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    if field:
        assert message in response.context["form"].errors[field]
    # Everything typed is still there.
    assert "Bring the demo kit" in body and f'value="{monday:%Y-%m-%d}T10:00"' in body
    assert re.search(r'<option value="k8s" selected>', body) and re.search(r'<option value="4" selected>', body)
    assert WorkOrder.objects.count() == 0


def test_another_reps_opportunity_is_not_a_choice(client, rep, shop, monday):
    client.force_login(rep)
    response = client.post(reverse("dispatch:work_order_new"), new_form(shop, monday, opportunity=shop.other_deal.pk))
    assert response.status_code == 400 and "opportunity" in response.context["form"].errors
    assert WorkOrder.objects.count() == 0


def test_add_a_skill_keeps_the_rows_and_adds_one(client, rep, shop, monday):
    client.force_login(rep)
    response = client.post(reverse("dispatch:work_order_new"), new_form(shop, monday, add_skill="1"), **EN)
    assert response.status_code == 200 and WorkOrder.objects.count() == 0
    formset = response.context["formset"]
    assert formset.total_form_count() == 4
    assert 'name="skills-3-skill"' in response.content.decode()
    assert re.search(r'<option value="k8s" selected>', response.content.decode())


# --- My work orders ------------------------------------------------------------------------------


def test_my_work_orders_lists_own_with_status_delay_and_engineers(client, rep, other_rep, shop, monday):
    waiting = open_work_order(rep, shop.deal, at(monday, 10), skills=[(shop.k8s, 4)], needed=2, grade="P5")
    filled = open_work_order(rep, shop.deal, at(monday, 14))
    book(rep, shop.wang, shop.deal, at(monday + dt.timedelta(days=2), 14), work_order=filled)  # 48 h late: slight
    theirs = open_work_order(other_rep, shop.other_deal, at(monday, 10))
    client.force_login(rep)
    response = client.get(reverse("dispatch:work_orders"), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-work-order="{theirs.pk}"' not in body
    rows = dict(re.findall(r'<tr id="work-order-(\d+)" data-work-order="\d+">(.*?)</tr>', body, re.S))
    assert set(rows) == {str(waiting.pk), str(filled.pk)}
    assert 'data-wo-status="open"' in rows[str(waiting.pk)] and 'data-delay="pending"' in rows[str(waiting.pk)]
    assert 'data-figure="engineers">0/2<' in rows[str(waiting.pk)]
    assert 'data-wo-status="staffed"' in rows[str(filled.pk)] and 'data-delay="slight"' in rows[str(filled.pk)]
    assert 'data-lateness-hours="48.0"' in rows[str(filled.pk)] and "48 h late" in rows[str(filled.pk)]
    # A filled work order offers neither candidates nor the pool; an open one both.
    assert 'data-testid="find-candidates"' not in rows[str(filled.pk)]
    assert f"{reverse('grabbing:new')}?work_order={waiting.pk}" in rows[str(waiting.pk)]
    find = re.search(r'href="([^"]+)" data-testid="find-candidates"', rows[str(waiting.pk)]).group(1)
    query = parse_qs(urlsplit(find.replace("&amp;", "&")).query)
    assert query["work_order"] == [str(waiting.pk)] and query["skill_level"] == ["k8s:4"]
    assert (query["grade"], query["solution"]) == (["P5"], [shop.deal.solution.code])
    assert (query["free_date"], query["free_start"], query["free_end"]) == ([str(monday)], ["10:00"], ["12:00"])
    # Filter by status.
    staffed = client.get(reverse("dispatch:work_orders"), {"status": "staffed"}, **EN).content.decode()
    assert f'data-work-order="{filled.pk}"' in staffed and f'data-work-order="{waiting.pk}"' not in staffed
    nonsense = client.get(reverse("dispatch:work_orders"), {"status": "nonsense"}, **EN)
    assert nonsense.status_code == 200 and "status" in nonsense.context["form"].errors


def nav_link(client, user) -> str | None:
    """The label of the work-order list's link in ``user``'s navigation, or None."""
    client.force_login(user)
    body = client.get(reverse("dispatch:find"), **EN).content.decode()
    found = re.findall(r'data-nav="dispatch:work_orders"[^>]*>([^<]+)</a>', body)
    assert len(found) <= 1
    return found[0] if found else None


def test_the_nav_offers_my_work_orders_to_reps_and_work_orders_to_managers(client, rep, manager, admin_user, lead):
    assert nav_link(client, rep) == "My work orders"
    assert nav_link(client, manager) == nav_link(client, admin_user) == "Work orders"
    assert nav_link(client, lead) is None
    # A rep who also manages a region has one entry: the list of their regions' and their own.
    rep.role_assignments.create(role=Role.MANAGER)
    assert nav_link(client, User.objects.get(pk=rep.pk)) == "Work orders"


def test_cancel_a_work_order_in_place_releases_its_bookings(client, rep, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10), needed=2)
    first = book(rep, shop.wang, shop.deal, at(monday, 10), work_order=work_order)
    book(rep, shop.zhang, shop.deal, at(monday, 10), work_order=work_order)
    assert Budget.objects.get(pk=shop.budget.pk).reserved == Decimal("1300.00")
    client.force_login(rep)
    url = reverse("dispatch:work_order_cancel", args=[work_order.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "Customer postponed"}, **EN, **HTMX)
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith("<tr") and 'data-wo-status="cancelled"' in row
    assert 'data-testid="cancel-work-order"' not in row
    first.refresh_from_db()
    assert first.status == BookingStatus.CANCELLED and Budget.objects.get(pk=shop.budget.pk).reserved == 0
    # Twice: the refusal is shown on the row, nothing changes.
    again = client.post(url, {}, **EN, **HTMX).content.decode()
    assert 'data-testid="row-error"' in again and "already cancelled" in again
    # Without JavaScript: back to the list with the message.
    response = client.post(url, {}, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:work_orders")
    assert "already cancelled" in client.get(response["Location"], **EN).content.decode()


def test_cancel_from_the_work_orders_page_returns_there(client, rep, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10))
    client.force_login(rep)
    url = reverse("dispatch:work_order_cancel", args=[work_order.pk])
    response = client.post(url, {"from": "detail"}, **EN, **HTMX)
    assert response["HX-Redirect"] == reverse("dispatch:work_order", args=[work_order.pk])
    body = client.get(response["HX-Redirect"], **EN).content.decode()
    assert "cancelled" in body and 'data-wo-status="cancelled"' in body


def test_another_reps_work_order_is_a_404(client, rep, other_rep, shop, monday):
    theirs = open_work_order(other_rep, shop.other_deal, at(monday, 10))
    client.force_login(rep)
    assert client.get(reverse("dispatch:work_order", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("dispatch:work_order_cancel", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("dispatch:find"), {"work_order": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.cancelled_at is None


@pytest.mark.parametrize(
    ("url_name", "allowed"),
    [("dispatch:work_orders", {"rep", "manager", "admin_user"}), ("dispatch:work_order_new", {"rep"})],
)
def test_who_opens_the_work_order_pages(client, request, url_name, allowed):
    for persona in ("rep", "engineer_user", "manager", "lead", "admin_user"):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse(url_name)).status_code == (200 if persona in allowed else 403), persona


# --- The list for who oversees regions: filters, pages, queries ---------------------------------


@pytest.fixture
def regions_orders(shop, rep, other_rep, east, monday):
    """North: the rep's open, partially staffed (Wang booked, two needed) and unfilled work orders
    on the deal; the other rep's open one on their deal, of another solution. East: a rep's open
    one of the deal's solution."""
    east_rep = make_user("east_rep", roles=[Role.SALES], regions=[east], display_name="East Rep")
    customer = CustomerFactory(region=east)
    east_deal = OpportunityFactory(name="East Deal", owner=east_rep, customer=customer, solution=shop.deal.solution)
    wanted = timezone.now() - dt.timedelta(days=3)
    orders = SimpleNamespace(
        open=open_work_order(rep, shop.deal, at(monday, 10)),
        partial=open_work_order(rep, shop.deal, at(monday, 14), needed=2),
        unfilled=open_work_order(rep, shop.deal, wanted, allow_past=True, now=wanted - dt.timedelta(days=1)),
        theirs=open_work_order(other_rep, shop.other_deal, at(monday, 10)),
        east=open_work_order(east_rep, east_deal, at(monday, 10)),
    )
    book(rep, shop.wang, shop.deal, at(monday, 14), work_order=orders.partial)
    return orders


def listed(client, user, query=None, **headers):
    """The response of the work-order list and the ids of its rows, in order."""
    client.force_login(user)
    response = client.get(reverse("dispatch:work_orders"), query or {}, **(headers or EN))
    assert response.status_code == 200
    return response, [int(pk) for pk in re.findall(r'<tr id="work-order-(\d+)"', response.content.decode())]


def ids(*work_orders) -> set[int]:
    return {work_order.pk for work_order in work_orders}


def test_a_manager_lists_their_regions_work_orders_an_admin_all_a_rep_their_own(
    client, rep, manager, other_manager, admin_user, regions_orders
):
    orders = regions_orders
    response, shown = listed(client, manager)
    assert set(shown) == ids(orders.open, orders.partial, orders.unfilled, orders.theirs)
    assert shown[-1] == orders.unfilled.pk  # newest first
    body = response.content.decode()
    assert "<h1>Work orders</h1>" in body and "My work orders</h1>" not in body
    row = body.split(f'id="work-order-{orders.theirs.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Other Rep · 华北 North China" in row  # whose, and where
    # A manager reads; booking, the pool and cancelling stay with the rep.
    assert 'data-testid="new-work-order"' not in body and "<th>Actions</th>" not in body
    assert 'data-testid="cancel-work-order"' not in body and 'data-testid="find-candidates"' not in body
    assert set(listed(client, other_manager)[1]) == ids(orders.east)
    assert set(listed(client, admin_user)[1]) == ids(*vars(orders).values())
    response, shown = listed(client, rep)
    assert set(shown) == ids(orders.open, orders.partial, orders.unfilled)
    assert "<h1>My work orders</h1>" in response.content.decode()
    assert 'data-testid="work-order-owner"' not in response.content.decode()


def test_a_manager_filters_by_region_solution_status_and_desired_end(client, admin_user, shop, regions_orders):
    orders, solution = regions_orders, shop.deal.solution.code
    waiting = {"status": ["open", "partially_staffed"]}
    cases = [
        ({"region": "east"}, ids(orders.east)),
        ({"solution": shop.other_deal.solution.code}, ids(orders.theirs)),
        ({"status": "staffed"}, set()),
        (waiting, ids(orders.open, orders.partial, orders.theirs, orders.east)),
        ({"status": "unfilled"}, ids(orders.unfilled)),
        ({"region": "north", "solution": solution, **waiting}, ids(orders.open, orders.partial)),
        ({"desired_end_from": f"{timezone.localtime():%Y-%m-%dT%H:%M}", "status": "unfilled"}, set()),
    ]
    for query, expected in cases:
        response, shown = listed(client, admin_user, query)
        assert set(shown) == expected, query
        assert not response.context["form"].errors
    response, _shown = listed(client, admin_user, {"region": "north", **waiting})
    body = response.content.decode()
    # The form shows the filters applied.
    assert '<option value="north" selected>' in body
    assert re.search(r'value="open"[^>]*checked', body) and re.search(r'value="partially_staffed"[^>]*checked', body)
    assert not re.search(r'value="unfilled"[^>]*checked', body)
    assert (
        "No work order matches these filters." in listed(client, admin_user, {"status": "staffed"})[0].content.decode()
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "atlantis"}, "region"),
        ({"solution": "nope", "status": "open"}, "solution"),
        ({"status": ["open", "nonsense"]}, "status"),
        ({"desired_end_from": "tomorrow"}, "desired_end_from"),
        ({"desired_end_from": "99999-01-01T00:00"}, "desired_end_from"),
    ],
)
def test_a_filter_that_does_not_read_is_shown_and_the_list_is_unfiltered(client, manager, regions_orders, query, field):
    orders = regions_orders
    response, shown = listed(client, manager, query)
    assert field in response.context["form"].errors
    body = response.content.decode()
    assert "Some filters could not be read, so every work order is listed." in body
    assert 'class="field-error"' in body
    assert set(shown) == ids(orders.open, orders.partial, orders.unfilled, orders.theirs)


@pytest.mark.parametrize("query", [{"region": "atlantis"}, {"solution": "nope"}, {"status": "nonsense"}])
def test_the_list_page_and_the_api_refuse_a_bad_filter_with_the_same_message(client, api, manager, north, query):
    # One FilterSet (dispatch.filters.WorkOrderFilter) parses both.
    response, _shown = listed(client, manager, query)
    api_response = api.as_user(manager).get("/api/v1/work-orders/", query, **EN)
    (name,) = query
    assert api_response.status_code == 400
    assert response.context["form"].errors[name] == api_response.json()["fields"][name]


def test_another_managers_region_is_an_empty_list(client, manager, regions_orders):
    response, shown = listed(client, manager, {"region": "east"})
    assert shown == [] and not response.context["form"].errors
    assert "No work order matches these filters." in response.content.decode()


def test_the_list_pages_keeping_its_filters(client, manager, regions_orders, monkeypatch):
    assert work_order_views.WORK_ORDERS_PER_PAGE == 50  # the documented page size
    monkeypatch.setattr(work_order_views, "WORK_ORDERS_PER_PAGE", 2)
    query = {"region": "north", "status": ["open", "partially_staffed"]}
    response, first = listed(client, manager, query)
    body = response.content.decode()
    assert len(first) == 2 and "3 work orders" in body and "Page 1 of 2" in body
    link = re.search(r'href="\?([^"]+)">Next<', body).group(1).replace("&amp;", "&")
    assert parse_qs(link) == {"region": ["north"], "status": ["open", "partially_staffed"], "page": ["2"]}
    _response, second = listed(client, manager, parse_qs(link))
    assert set(first + second) == ids(regions_orders.open, regions_orders.partial, regions_orders.theirs)
    # A page past the end is the last one.
    assert listed(client, manager, {**query, "page": "9"})[1] == second


def count_list_queries(client, user, query) -> int:
    client.force_login(user)
    client.get(reverse("dispatch:work_orders"), query, **EN)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dispatch:work_orders"), query, **EN)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_the_list_costs_the_same_queries_for_one_row_or_many(client, request, shop, rep, monday, persona):
    user = request.getfixturevalue(persona)
    query = {"region": "north", "solution": shop.deal.solution.code, "status": ["open", "partially_staffed"]}
    open_work_order(rep, shop.deal, at(monday, 10), skills=[(shop.k8s, 3)], needed=2)
    one = count_list_queries(client, user, query)
    sql = SkillFactory(code="sql", name="SQL")
    for day in range(5):
        for hour in (9, 11, 14, 16):
            work_order = open_work_order(
                rep,
                shop.deal,
                at(monday + dt.timedelta(days=day), hour),
                needed=2,
                skills=[(shop.k8s, 3), (sql, 2)],
                grade="P3",
            )
            if hour == 9:
                book(rep, shop.wang, shop.deal, at(monday + dt.timedelta(days=day), hour), work_order=work_order)
    many = count_list_queries(client, user, query)
    assert many == one
    assert len(listed(client, user, query)[1]) == 21


def test_a_work_orders_page_leads_back_to_the_list_by_its_name(client, rep, manager, engineer_user, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10))
    book(rep, shop.wang, shop.deal, at(monday, 10), work_order=work_order)
    client.force_login(engineer_user)  # Wang reads the work order he is booked on, and has no list
    body = client.get(reverse("dispatch:work_order", args=[work_order.pk]), **EN).content.decode()
    assert str(work_order) in body and 'data-testid="back-to-work-orders"' not in body
    client.force_login(manager)
    body = client.get(reverse("dispatch:work_order", args=[work_order.pk]), **EN).content.decode()
    assert re.search(r'href="/dispatch/work-orders/" data-testid="back-to-work-orders">Work orders<', body)
    client.force_login(rep)
    body = client.get(reverse("dispatch:work_order", args=[work_order.pk]), **EN).content.decode()
    assert 'data-testid="back-to-work-orders">My work orders<' in body


# --- A work order's page, its candidates ---------------------------------------------------------


def test_the_work_order_page_lists_bookings_and_candidates_with_book_links(client, rep, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10), skills=[(shop.k8s, 4)], needed=2)
    booked = book(rep, shop.zhang, shop.deal, at(monday, 14), work_order=work_order)
    client.force_login(rep)
    response = client.get(reverse("dispatch:work_order", args=[work_order.pk]), **EN)
    body = response.content.decode()
    assert f'data-booking="{booked.pk}"' in body and "1 of 2 booked" in body
    assert 'data-wo-status="partially_staffed"' in body
    candidates = body.split('data-testid="candidates"', 1)[1]
    # Zhang is busy from 14:00 only: both are free 10–12 and hold k8s ≥ 4.
    assert re.findall(r'<tr data-engineer="(\w+)">', candidates) == ["engineer", "zhang"]
    link = re.search(r'href="([^"]+)" data-testid="book-candidate"', candidates).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert (query["work_order"], query["hours"], query["start"]) == ([str(work_order.pk)], ["2"], [slot(monday, 10)])
    # The link opens the booking confirmation for that work order; confirming fills it.
    confirm = client.get(link, **EN)
    assert confirm.context["work_order"] == work_order and 'data-testid="fills-work-order"' in confirm.content.decode()
    assert confirm.context["form"]["stage"].value() == work_order.stage
    data = {key: values[0] for key, values in query.items()} | {"stage": "value_presentation", "activity": "exchange"}
    response = client.post(reverse("dispatch:book"), data, **EN)
    assert response["Location"] == reverse("dispatch:work_order", args=[work_order.pk])
    assert work_order.bookings.count() == 2
    staffed = client.get(response["Location"], **EN).content.decode()
    assert 'data-wo-status="staffed"' in staffed and 'data-testid="candidates"' not in staffed


def test_the_region_manager_reads_the_work_order_but_cannot_act(client, rep, manager, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10))
    client.force_login(manager)
    body = client.get(reverse("dispatch:work_order", args=[work_order.pk]), **EN).content.decode()
    assert str(work_order) in body
    assert 'data-testid="cancel-work-order"' not in body and 'data-testid="candidates"' not in body


# --- The find page opened from a work order, booking with a desired start -----------------------


def test_the_find_page_opened_from_a_work_order_fills_its_criteria(client, rep, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10), skills=[(shop.k8s, 5)], grade="P5")
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"work_order": work_order.pk}, **EN)
    assert response.status_code == 302
    response = client.get(response["Location"], **EN)
    form = response.context["form"]
    assert form.cleaned_data["skill_level"] == [(shop.k8s, 5)] and form.cleaned_data["grade"] == "P5"
    assert form.cleaned_data["free_from"] == at(monday, 10) and form.cleaned_data["free_to"] == at(monday, 12)
    assert form.cleaned_data["solution"] == shop.deal.solution
    assert [e.user.username for e in response.context["page"].object_list] == ["zhang"]  # k8s 5, P5
    body = response.content.decode()
    assert 'data-testid="filling-work-order"' in body and "Kubernetes ≥ 5" in body
    # Every free cell books for this work order, on its opportunity.
    assert f"work_order={work_order.pk}" in response.context["book_query"]
    assert f"opportunity={shop.deal.pk}" in response.context["book_query"]


def test_a_board_booking_fills_the_work_order_and_a_full_one_is_refused_keeping_the_input(client, rep, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 10))
    book(rep, shop.zhang, shop.deal, at(monday, 10), work_order=work_order)
    client.force_login(rep)
    before = written()
    data = {
        "engineer": shop.wang.pk,
        "start": slot(monday, 11),
        "hours": "2",
        "opportunity": shop.deal.pk,
        "stage": "value_presentation",
        "activity": "exchange",
        "work_order": work_order.pk,
        "note": "Second pair of hands",
    }
    response = client.post(reverse("dispatch:book"), data, **EN, **HTMX)
    body = response.content.decode()
    assert 'data-testid="booking-error"' in body and "already has all the engineers it needs" in body
    assert "Second pair of hands" in body and f'name="work_order" value="{work_order.pk}"' in body
    assert '<option value="2" selected>' in body
    assert written() == before
    # The same engineer may add another day to it.
    response = client.post(reverse("dispatch:book"), data | {"engineer": shop.zhang.pk}, **EN, **HTMX)
    assert response["HX-Trigger"] == "booking-created"
    assert work_order.bookings.count() == 2 and WorkOrder.objects.count() == 1


def test_the_booking_form_asks_for_the_desired_start_and_the_delay_follows(client, rep, shop, monday):
    client.force_login(rep)
    wednesday = monday + dt.timedelta(days=2)
    params = {"engineer": shop.wang.pk, "start": slot(wednesday, 10), "opportunity": shop.deal.pk}
    confirm = client.get(reverse("dispatch:book"), params, **EN, **HTMX)
    assert confirm.context["form"]["desired_start"].value() == slot(wednesday, 10)  # default: the start
    assert f'name="desired_start" value="{slot(wednesday, 10)}"' in confirm.content.decode()
    data = params | {"hours": "1", "stage": "value_presentation", "activity": "exchange"}
    client.post(reverse("dispatch:book"), data | {"desired_start": slot(monday, 10)}, **EN, **HTMX)
    work_order = Booking.objects.get().work_order
    assert work_order.desired_start == at(monday, 10) and work_order.desired_end == at(monday, 11)
    body = client.get(reverse("dispatch:opportunity", args=[shop.deal.pk]), **EN).content.decode()
    row = body.split(f'data-work-order="{work_order.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-delay="slight"' in row and "48 h late" in row
    # Empty: the booking's start.
    client.post(reverse("dispatch:book"), data | {"start": slot(wednesday, 14), "desired_start": ""}, **EN, **HTMX)
    assert Booking.objects.latest("pk").work_order.desired_start == at(wednesday, 14)


def test_a_refused_booking_keeps_the_desired_start(client, rep, shop, monday):
    client.force_login(rep)
    before = written()
    data = {
        "engineer": shop.wang.pk,
        "start": slot(monday, 17),
        "hours": "3",  # past 18:00
        "opportunity": shop.deal.pk,
        "stage": "value_presentation",
        "activity": "exchange",
        "desired_start": slot(monday, 9),
    }
    body = client.post(reverse("dispatch:book"), data, **EN, **HTMX).content.decode()
    assert "does not work at that time" in body and f'value="{slot(monday, 9)}"' in body
    assert written() == before


# --- The opportunity page lists its work orders --------------------------------------------------


def test_the_opportunity_page_lists_work_orders_with_requirements_window_status_and_bookings(
    client, rep, manager, shop, monday
):
    work_order = open_work_order(rep, shop.deal, at(monday, 10), skills=[(shop.k8s, 3)], needed=2)
    booking = book(rep, shop.zhang, shop.deal, at(monday, 10), work_order=work_order)
    waiting = open_work_order(rep, shop.deal, at(monday + dt.timedelta(days=1), 9), hours=8)
    client.force_login(rep)
    body = client.get(reverse("dispatch:opportunity", args=[shop.deal.pk]), **EN).content.decode()
    section = body.split('data-testid="dispatch-list"', 1)[1]
    assert f"{reverse('dispatch:work_order_new')}?opportunity={shop.deal.pk}" in section
    rows = dict(re.findall(r'<tr data-work-order="(\d+)">(.*?)</tr>', section, re.S))
    first, second = rows[str(work_order.pk)], rows[str(waiting.pk)]
    assert "Kubernetes ≥ 3" in first and "1 of 2 booked" in first and 'data-wo-status="partially_staffed"' in first
    assert f'data-booking="{booking.pk}"' in first and "张工 Zhang" in first and 'data-status="booked"' in first
    assert f"{monday:%Y-%m-%d} 10:00 – 12:00" in first and 'data-delay="on_time"' in first
    assert 'data-wo-status="open"' in second and 'data-delay="pending"' in second and "not filled" in second
    assert re.findall(r'data-delay="(\w+)"', section) == ["on_time", "pending"]  # one badge per work order
    # A manager reads the list but opens no work order on a rep's opportunity.
    client.force_login(manager)
    body = client.get(reverse("dispatch:opportunity", args=[shop.deal.pk]), **EN).content.decode()
    assert f'data-work-order="{work_order.pk}"' in body and 'data-testid="new-work-order"' not in body


# --- Lateness as pages show it -------------------------------------------------------------------


def lateness_text(body: str, work_order) -> str:
    """The text of the lateness shown in the row (or facts) of ``work_order``."""
    part = body.split(f'data-work-order="{work_order.pk}"', 1)[1] if "data-work-order" in body else body
    return re.sub(r"<[^>]+>", "", re.search(r"data-lateness-hours=\"[-\d.]+\">(.*?)</span>", part, re.S).group(1))


def test_a_pending_work_order_is_due_in_so_long_on_every_page_not_negative_late(client, rep, shop):
    now = timezone.now()
    pending = open_work_order(rep, shop.deal, now + dt.timedelta(days=4, hours=18))
    cancelled = open_work_order(rep, shop.deal, now + dt.timedelta(days=2))
    work_order_cancel(work_order=cancelled, by=rep, reason="")
    client.force_login(rep)
    pages = {
        "list": reverse("dispatch:work_orders"),
        "detail": reverse("dispatch:work_order", args=[pending.pk]),
        "opportunity": reverse("dispatch:opportunity", args=[shop.deal.pk]),
    }
    for name, url in pages.items():
        english = client.get(url, **EN).content.decode()
        assert lateness_text(english, pending) == "due in 4 d 18 h", name
        assert "-113" not in english and 'data-lateness-hours="-114.0"' in english  # the attribute stays signed
        # Default Chinese.
        assert lateness_text(client.get(url).content.decode(), pending) == "4 天 18 小时后到期", name
    for name in ("list", "opportunity"):
        # Cancelled before its desired start, it never came due: nothing to count down.
        assert lateness_text(client.get(pages[name], **EN).content.decode(), cancelled) == "—", name


def test_booked_ahead_of_the_desired_start_is_early_and_on_time(client, rep, shop, monday):
    work_order = open_work_order(rep, shop.deal, at(monday, 12))
    book(rep, shop.wang, shop.deal, at(monday, 10), work_order=work_order)
    client.force_login(rep)
    body = client.get(reverse("dispatch:work_orders"), **EN).content.decode()
    assert 'data-delay="on_time"' in body and lateness_text(body, work_order) == "2 h early"


@pytest.mark.parametrize(
    ("remaining", "shown"),
    [
        (dt.timedelta(0), "due now"),
        (dt.timedelta(seconds=20), "due in 1 min"),
        (dt.timedelta(minutes=45), "due in 45 min"),
        (dt.timedelta(minutes=59, seconds=50), "due in 1 h"),
        (dt.timedelta(hours=5, minutes=29), "due in 5 h"),
        (dt.timedelta(hours=23, minutes=40), "due in 1 d"),
        (dt.timedelta(days=2), "due in 2 d"),
        (dt.timedelta(days=4, hours=17, minutes=54), "due in 4 d 18 h"),
    ],
)
def test_due_in_rounds_to_minutes_then_hours_and_days(remaining, shown):
    with translation.override("en"):
        assert due_in(remaining) == shown
