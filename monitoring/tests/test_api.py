"""The real-time control API: cells, alerts with plans, acknowledge/resolve, recompute."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.models import Alert, AlertStatus, CellSnapshot
from monitoring.services.recompute import recompute
from presales.models import User
from presales.tests.scenario_files import reference_data

pytestmark = pytest.mark.django_db
AS_OF = dt.datetime.fromisoformat(reference_data()["as_of"])


@pytest.fixture
def week(reference_scenario):
    recompute(end=AS_OF)


def person(username: str) -> User:
    return User.objects.get(username=username)


def test_cells_of_a_date_follow_the_contract(api, week):
    response = api.as_user(person("mgr_north")).get("/api/v1/monitoring/cells/", {"date": "2026-06-15"})
    assert response.status_code == 200
    cells = {(c["region"], c["solution"]): c for c in response.json()["results"]}
    assert set(cells) == {("north", "A"), ("north", "B"), ("north", "C")}
    c = cells["north", "C"]
    assert c["status"] == "normal"
    assert set(c) >= {
        "region",
        "solution",
        "window_start",
        "window_end",
        "work_orders",
        "delayed_slight",
        "delayed_severe",
        "delayed_ratio",
        "timely_response_rate",
        "satisfaction_avg",
        "bad_review_ratio",
        "utilisation",
        "status",
        "computed_at",
    }
    assert dt.datetime.fromisoformat(c["window_end"]) == AS_OF
    assert dt.datetime.fromisoformat(c["window_start"]) == AS_OF - dt.timedelta(days=7)
    assert isinstance(c["delayed_ratio"], str)


def test_cells_filter_by_solution_and_reject_a_bad_date(api, week):
    client = api.as_user(person("mgr_north"))
    only_a = client.get("/api/v1/monitoring/cells/", {"solution": "A"}).json()["results"]
    assert [(c["region"], c["solution"]) for c in only_a] == [("north", "A")]
    bad = client.get("/api/v1/monitoring/cells/", {"date": "15/06/2026"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "date" in bad.json()["fields"]


def test_alerts_carry_their_plans(api, week):
    response = api.as_user(person("mgr_north")).get("/api/v1/alerts/", {"region": "north", "status": "open"})
    assert response.status_code == 200
    alerts = response.json()["results"]
    kinds = {(a["solution"], a["kind"]): a["plan"]["code"] for a in alerts}
    assert kinds == {
        ("A", "delay_surge"): "plan1",
        ("A", "volume_surge"): "plan2",
        ("B", "bad_review_surge"): "plan3",
        ("B", "volume_surge"): "plan2",
    }
    assert all(a["plan"]["steps"] and a["plan"]["title"] for a in alerts)
    delay = next(a for a in alerts if a["kind"] == "delay_surge")
    assert delay["current"] > float(delay["baseline"])


def test_a_manager_acknowledges_then_resolves(api, week):
    manager = person("mgr_north")
    client = api.as_user(manager)
    alert = Alert.objects.filter(region__code="north").first()
    acknowledged = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_by"] == manager.pk
    again = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    resolved = client.post(f"/api/v1/alerts/{alert.pk}/resolve/")
    assert resolved.json()["status"] == "resolved"
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.RESOLVED


def test_another_regions_manager_sees_nothing_of_north(api, week):
    client = api.as_user(person("mgr_east"))
    assert client.get("/api/v1/alerts/").json()["count"] == 0
    alert = Alert.objects.filter(region__code="north").first()
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 404
    cells = client.get("/api/v1/monitoring/cells/", {"date": "2026-06-15"}).json()["results"]
    assert {c["region"] for c in cells} <= {"east"}


@pytest.mark.parametrize("username", ["rep_a", "zhang"])
def test_reps_and_engineers_are_refused(api, week, username):
    client = api.as_user(person(username))
    for path in ("/api/v1/alerts/", "/api/v1/monitoring/cells/"):
        response = client.get(path)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert client.post("/api/v1/monitoring/recompute/").status_code == 403


def test_recompute_is_queued_and_runs_in_process(api, week, django_capture_on_commit_callbacks):
    CellSnapshot.objects.all().delete()
    Alert.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # queued tasks are published on commit
        response = api.as_user(person("mgr_north")).post("/api/v1/monitoring/recompute/", {"date": "2026-06-15"})
    assert response.status_code == 202
    assert response.json()["queued"] is True
    assert dt.datetime.fromisoformat(response.json()["end"]) == AS_OF
    assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 4


def test_alert_list_queries_do_not_grow_with_alerts(api, week):
    client = api.as_user(person("mgr_north"))
    client.get("/api/v1/alerts/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/alerts/", {"page_size": 1})
    with CaptureQueriesContext(connection) as all_of_them:
        client.get("/api/v1/alerts/", {"page_size": 50})
    assert len(one) == len(all_of_them)


def test_recompute_of_a_date_outside_2000_to_2099_is_a_400(api, manager):
    # Midnight of 0089-10-13 in Shanghai has the offset +08:05:43, which the answer cannot carry.
    response = api.as_user(manager).post("/api/v1/monitoring/recompute/", {"date": "0089-10-13"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["date"]
