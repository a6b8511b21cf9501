"""Engineers' UT stored by the recompute: what the dashboard reads, kept and pruned by window."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.models import Engineer
from monitoring.models import CellSnapshot, UtilisationSnapshot
from monitoring.selectors.dashboard import _utilisation_now, engineer_utilisation
from monitoring.services.recompute import prune_snapshots, recompute
from presales.choices import Role
from presales.models import Region, User
from presales.tests.factories import make_user
from presales.tests.scenario_files import reference_data

AS_OF = dt.datetime.fromisoformat(reference_data()["as_of"])  # a local midnight
WEEK = dt.timedelta(days=7)


@pytest.fixture
def reference(reference_scenario, db):
    """The reference organisation, imported once for the module."""


@pytest.fixture
def north_manager(reference) -> User:
    return User.objects.get(role_assignments__role=Role.MANAGER, regions__code="north")


def stored(end=AS_OF) -> dict[int, tuple[Decimal, Decimal]]:
    rows = UtilisationSnapshot.objects.filter(window_end=end)
    return {row.engineer_id: (row.effective_hours, row.available_hours) for row in rows}


@pytest.mark.django_db
def test_recompute_stores_every_active_engineers_load_as_computed_live(reference):
    Engineer.objects.filter(pk=Engineer.objects.order_by("pk").first().pk).update(is_active=False)
    recompute(end=AS_OF)
    live = _utilisation_now(regions=Region.objects.all(), start=AS_OF - WEEK, end=AS_OF)
    assert stored() == {row.engineer.pk: (row.effective_hours, row.available_hours) for row in live}
    assert set(stored()) == set(Engineer.objects.filter(is_active=True).values_list("pk", flat=True))
    assert any(hours for hours, _available in stored().values())  # the reference week has work


@pytest.mark.django_db
def test_recomputing_gives_the_same_rows(reference):
    recompute(end=AS_OF)
    before = list(UtilisationSnapshot.objects.order_by("engineer_id").values())
    recompute(end=AS_OF)
    assert list(UtilisationSnapshot.objects.order_by("engineer_id").values()) == before


@pytest.mark.django_db
def test_an_engineer_made_inactive_leaves_the_window_on_the_next_run(reference):
    recompute(end=AS_OF)
    gone = Engineer.objects.order_by("pk").first()
    Engineer.objects.filter(pk=gone.pk).update(is_active=False)
    recompute(end=AS_OF)
    assert gone.pk not in stored()


@pytest.mark.django_db
def test_the_dashboard_reads_the_stored_table(client, north_manager):
    recompute(end=AS_OF)
    row = UtilisationSnapshot.objects.filter(engineer__region__code="north").order_by("engineer_id").first()
    # A figure only the stored row has: the page must show it, not a fresh computation.
    UtilisationSnapshot.objects.filter(pk=row.pk).update(effective_hours=Decimal("12345.67"))
    client.force_login(north_manager)
    response = client.get(reverse("monitoring:dashboard"), {"date": AS_OF.date()})
    table = {r.engineer.pk: r for r in response.context["utilisation"]}
    assert table[row.engineer_id].effective_hours == Decimal("12345.67")
    assert set(table) == set(Engineer.objects.filter(region__code="north", is_active=True).values_list("pk", flat=True))
    assert "12345.67" in response.content.decode()


@pytest.mark.django_db
def test_reading_the_stored_table_takes_three_queries_whatever_the_engineers(north_manager):
    recompute(end=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        rows = list(engineer_utilisation(user=north_manager, start=AS_OF - WEEK, end=AS_OF))
        [(row.engineer.name, row.region.name, row.utilisation) for row in rows]
    assert rows and len(queries) == 3  # window stored?, the user's role, the rows with engineers and regions
    assert [row.utilisation or 0 for row in rows] == sorted((row.utilisation or 0 for row in rows), reverse=True)


@pytest.mark.django_db
def test_a_window_never_stored_is_computed_on_read(north_manager):
    end = AS_OF - 3 * WEEK
    rows = engineer_utilisation(user=north_manager, start=end - WEEK, end=end)
    assert not UtilisationSnapshot.objects.exists()
    assert {row.engineer.pk for row in rows} == set(
        Engineer.objects.filter(region__code="north", is_active=True).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_live_windows_replace_each_other_and_daily_ones_stay(reference):
    recompute(end=AS_OF)  # a daily window
    live = AS_OF + dt.timedelta(hours=9, minutes=5)
    recompute(end=live)
    recompute(end=live + dt.timedelta(minutes=5))
    ends = set(UtilisationSnapshot.objects.values_list("window_end", flat=True))
    assert ends == {AS_OF, live + dt.timedelta(minutes=5)}


@pytest.mark.django_db
def test_pruning_drops_old_live_windows_and_daily_tables_past_eight_weeks(reference):
    old_day = AS_OF - dt.timedelta(days=60)
    for end in (old_day, AS_OF - WEEK, AS_OF):
        recompute(end=end)
    stale_live = AS_OF - dt.timedelta(days=2, hours=-10)  # a live window left from days ago
    recompute(end=stale_live)
    prune_snapshots(now=AS_OF + dt.timedelta(hours=10))
    assert set(UtilisationSnapshot.objects.values_list("window_end", flat=True)) == {AS_OF - WEEK, AS_OF}
    assert not CellSnapshot.objects.filter(window_end=stale_live).exists()


def add_engineers(region_code: str, count: int) -> None:
    region = Region.objects.get(code=region_code)
    for number in range(count):
        user = make_user(f"ut{number:03}", roles=[Role.ENGINEER], regions=[region], display_name=f"UT {number:03}")
        Engineer.objects.create(user=user, region=region, resource_type="presales", grade="P3")


@pytest.mark.django_db
def test_the_table_shows_fifty_engineers_a_page_and_the_csv_all(client, north_manager):
    add_engineers("north", 55)
    recompute(end=AS_OF)
    north = set(Engineer.objects.filter(region__code="north", is_active=True).values_list("pk", flat=True))
    client.force_login(north_manager)
    url = reverse("monitoring:dashboard")
    first = client.get(url, {"date": AS_OF.date()})
    second = client.get(url, {"date": AS_OF.date(), "page": 2})
    shown = [row.engineer.pk for row in first.context["utilisation"]]
    rest = [row.engineer.pk for row in second.context["utilisation"]]
    assert len(shown) == 50 and set(shown) | set(rest) == north and not set(shown) & set(rest)
    assert f"?date={AS_OF.date()}&amp;page=2" in first.content.decode()
    body = client.get(reverse("monitoring:utilisation-csv"), {"date": AS_OF.date()}).content.decode("utf-8-sig")
    _header, *rows = csv.reader(io.StringIO(body))  # engineer, region, start, end, effective, available, UT
    assert len(rows) == len(north)
    assert {row[1] for row in rows} == {"north"}
    stored = UtilisationSnapshot.objects.filter(window_end=AS_OF, engineer__region__code="north")
    busiest = max(stored, key=lambda snap: snap.utilisation or 0)
    assert (Decimal(rows[0][4]), rows[0][6]) == (busiest.effective_hours, str(busiest.utilisation or ""))


@pytest.mark.django_db
def test_the_utilisation_csv_is_for_managers_only(client, reference):
    rep = User.objects.filter(role_assignments__role=Role.SALES).first()
    client.force_login(rep)
    assert client.get(reverse("monitoring:utilisation-csv")).status_code == 403
