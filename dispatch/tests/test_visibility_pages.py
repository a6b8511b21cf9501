"""Full-process visibility pages on the reference file: the opportunity page per role, and an
engineer's record for their managers."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.models import Booking, Engineer
from presales.models import Opportunity, User

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def o1(reference_scenario):
    return Opportunity.objects.get(key="o1")


def user(username: str) -> User:
    return User.objects.get(username=username)


def page(client, username: str, opportunity: Opportunity):
    client.force_login(user(username))
    return client.get(reverse("dispatch:opportunity", args=[opportunity.pk]), **EN)


def engineer_cells(body: str) -> dict[str, dict[str, str]]:
    """{username: {stage or figure: text}} from the hours table."""
    table = body.split('data-testid="engineer-hours"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for username, row in re.findall(r'<tr data-engineer="(\w+)">(.*?)</tr>', table, re.S):
        cells = dict(re.findall(r'data-(?:stage|figure)="([\w-]+)">([^<]*)<', row))
        satisfaction = re.search(r'data-satisfaction="(\w+)"', row)
        cells["satisfaction"] = satisfaction.group(1) if satisfaction else None
        rows[username] = cells
    return rows


def figure(body: str, name: str) -> str | None:
    match = re.search(rf'data-figure="{name}">([^<]*)<', body)
    return match.group(1).strip() if match else None


def test_the_owner_sees_hours_dispatches_ratings_and_money(client, o1):
    response = page(client, "rep_a", o1)
    assert response.status_code == 200
    body = response.content.decode()
    assert o1.name in body and o1.customer.name in body and "Bidding" in body
    cells = engineer_cells(body)
    assert {name: row["total-hours"] for name, row in cells.items()} == {"zhang": "80", "li": "32", "wang": "40"}
    assert (cells["zhang"]["value_presentation"], cells["zhang"]["bid_preparation"], cells["zhang"]["bidding"]) == (
        "16",
        "32",
        "32",
    )
    assert (cells["li"]["value_presentation"], cells["wang"]["value_presentation"]) == ("32", "40")
    assert cells["li"]["bidding"] == "—"
    assert {name: row["satisfaction"] for name, row in cells.items()} == {
        "zhang": "satisfied",
        "li": "neutral",
        "wang": "satisfied",
    }
    assert [figure(body, n) for n in ("dispatches", "on_time", "slight", "severe")] == ["4", "1", "1", "2"]
    dispatches = body.split('data-testid="dispatch-list"', 1)[1]
    # By desired start: v1 72 h late, v2 5 h, v3 49 h (beyond the 48 h slight limit), v4 on time.
    assert re.findall(r'data-delay="(\w+)"', dispatches) == ["severe", "slight", "severe", "on_time"]
    charged = sum(b.charged for b in Booking.objects.filter(work_order__opportunity=o1))
    assert figure(body, "spent") == f"{charged:,.2f}"
    assert figure(body, "reserved") == "0.00"
    # The timeline draws every booking on its engineer's row, coloured by stage.
    timeline = body.split('data-testid="timeline"', 1)[1].split("</section>", 1)[0]
    assert timeline.count('class="gantt-bar stage-') == Booking.objects.filter(work_order__opportunity=o1).count()
    assert timeline.count("gantt-bar stage-bidding") == 4
    # The rep does not manage engineers: no links to their records.
    assert "/record/" not in body


def test_the_dispatch_list_shows_lateness(client, o1):
    body = page(client, "rep_a", o1).content.decode()
    lateness = {
        int(wo): hours
        for wo, hours in re.findall(
            r'<tr data-work-order="(\d+)">.*?data-lateness-hours="([-\d.]+)"', body.split("dispatch-list")[1], re.S
        )
    }
    work_orders = {wo.key: wo.pk for wo in o1.work_orders.all()}
    # v1 wanted 2 Feb 09:00, started 5 Feb 09:00: 72 h late, severe; v4 started on time.
    assert lateness[work_orders["v1"]] == "72.0"
    assert lateness[work_orders["v2"]] == "5.0"
    assert lateness[work_orders["v4"]] == "0.0"
    assert "72 h late" in body and "(3 days)" in body


def test_the_region_manager_sees_everything_and_links_to_records(client, o1):
    body = page(client, "mgr_north", o1).content.decode()
    assert set(engineer_cells(body)) == {"zhang", "li", "wang"}
    assert figure(body, "spent") is not None
    zhang = Engineer.objects.get(user__username="zhang")
    assert reverse("dispatch:engineer-record", args=[zhang.pk]) in body


def test_an_engineer_sees_only_their_own_part_and_no_money(client, o1):
    response = page(client, "li", o1)
    assert response.status_code == 200
    body = response.content.decode()
    assert {name: row["total-hours"] for name, row in engineer_cells(body).items()} == {"li": "32"}
    assert "Zhang" not in body and "Wang" not in body
    assert figure(body, "spent") is None and figure(body, "reserved") is None
    assert figure(body, "dispatches") == "1"
    timeline = body.split('data-testid="timeline"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'gantt-row" data-engineer="(\w+)"', timeline) == ["li"]


@pytest.mark.parametrize("username", ["rep_b", "mgr_east"])
def test_people_who_may_not_see_the_opportunity_get_404(client, o1, username):
    assert page(client, username, o1).status_code == 404


def test_an_engineer_who_never_worked_on_it_gets_404(client, o1):
    outsider = Engineer.objects.exclude(bookings__work_order__opportunity=o1).first()
    assert page(client, outsider.user.username, o1).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, o1):
    response = client.get(reverse("dispatch:opportunity", args=[o1.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_opportunities_list_links_to_the_page(client, o1):
    client.force_login(o1.owner)
    body = client.get(reverse("presales:opportunities"), **EN).content.decode()
    assert reverse("dispatch:opportunity", args=[o1.pk]) in body


def test_the_page_runs_a_fixed_number_of_queries(client, o1):
    o2 = Opportunity.objects.get(key="o2")
    counts = {o.key: Booking.objects.filter(work_order__opportunity=o).count() for o in (o1, o2)}
    assert counts["o1"] != counts["o2"] and min(counts.values()) > 0
    client.force_login(o1.owner)
    client.get(reverse("dispatch:opportunity", args=[o2.pk]))  # warm the session and caches
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("dispatch:opportunity", args=[o1.pk])).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse("dispatch:opportunity", args=[o2.pk])).status_code == 200
    assert len(first) == len(second)


# --- The engineer's record ----------------------------------------------------------------------


def record(client, username: str, engineer: str, **query):
    client.force_login(user(username))
    pk = Engineer.objects.get(user__username=engineer).pk
    return client.get(reverse("dispatch:engineer-record", args=[pk]), query, **EN)


def test_the_manager_reads_an_engineers_record_over_a_period(client, o1):
    response = record(client, "mgr_north", "li", **{"from": "2026-01-01", "to": "2026-03-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert figure(body, "hours") == "32"
    assert figure(body, "rating-count") == "5"
    assert 'data-satisfaction="neutral"' in body
    assert re.search(r'data-solution="A"><th>A</th><td class="num">32<', body)
    delays = body.split('data-testid="record-delays"', 1)[1]
    assert re.findall(r'data-delay="(\w+)"', delays) == ["slight"]
    weekdays = sum(1 for n in range(90) if (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoweekday() <= 5)
    assert figure(body, "available") == str(weekdays * 9)
    assert figure(body, "utilisation") == f"{32 / (weekdays * 9) * 100:.1f}%"


def test_the_record_defaults_to_the_last_90_days_and_survives_bad_input(client, o1):
    response = record(client, "mgr_north", "li")
    assert response.status_code == 200
    assert (response.context["last_day"] - response.context["first_day"]).days == 89
    response = record(client, "mgr_north", "li", **{"from": "2026-03-01", "to": "2026-01-01"})
    assert response.status_code == 200
    assert "The start of the period is after its end." in response.content.decode()
    assert (response.context["last_day"] - response.context["first_day"]).days == 89


def test_a_manager_of_another_region_gets_404(client, o1):
    assert record(client, "mgr_east", "li").status_code == 404


@pytest.mark.parametrize("username", ["rep_a", "li"])
def test_reps_and_engineers_may_not_read_records(client, o1, username):
    assert record(client, username, "zhang").status_code == 403
