"""Reference data and opportunities through the API, per role."""

from decimal import Decimal

import pytest

from dispatch.models import DeliveryCentre
from presales.choices import ProjectClass
from presales.models import Opportunity, Region
from presales.tests.factories import CustomerFactory, OpportunityFactory, RateFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep, other_rep, north, east, solution_a):
    """Opportunities of two reps in the north and one in the east."""
    east_rep_customer = CustomerFactory(region=east)
    return {
        "mine": OpportunityFactory(owner=rep, region=north, solution=solution_a),
        "theirs": OpportunityFactory(owner=other_rep, region=north, solution=solution_a, project_class=ProjectClass.A),
        "east": OpportunityFactory(owner=other_rep, customer=east_rep_customer, region=east, solution=solution_a),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("rep", {"mine"}),
        ("other_rep", {"theirs", "east"}),
        ("manager", {"mine", "theirs"}),
        ("other_manager", {"east"}),
        ("lead", {"theirs"}),
        ("admin_user", {"mine", "theirs", "east"}),
        ("engineer_user", set()),
    ],
)
def test_opportunities_visible_per_role(request, api, book, persona, expected, lead, solution_a):
    # The lead directs solution A's delivery centre: its class A/B work is theirs to see.
    DeliveryCentre.objects.create(solution=solution_a, name="A centre", lead=lead)
    user = request.getfixturevalue(persona)
    assert _ids(api.as_user(user).get("/api/v1/opportunities/")) == {book[key].pk for key in expected}


def test_opportunity_item_shape(api, rep, book):
    item = api.as_user(rep).get(f"/api/v1/opportunities/{book['mine'].pk}/").json()
    assert {"id", "name", "customer", "region", "solution", "project_class", "stage", "owner"} <= set(item)
    assert item["region"] == "north"
    assert item["solution"] == "A"
    assert item["owner"] == rep.pk


def test_opportunity_filters(api, manager, book):
    client = api.as_user(manager)
    assert _ids(client.get("/api/v1/opportunities/?project_class=A")) == {book["theirs"].pk}
    assert _ids(client.get(f"/api/v1/opportunities/?owner={book['mine'].owner_id}")) == {book["mine"].pk}
    assert _ids(client.get("/api/v1/opportunities/?region=east")) == set()


def _new_opportunity(customer, **overrides):
    return {
        "name": "Smart campus",
        "customer": customer.pk,
        "region": "north",
        "solution": "A",
        "project_class": "C",
        **overrides,
    }


def test_a_rep_creates_their_own_opportunity_whatever_owner_they_send(api, rep, other_rep, north, solution_a):
    customer = CustomerFactory(region=north)
    payload = _new_opportunity(customer, owner=other_rep.pk, stage="value_presentation")
    response = api.as_user(rep).post("/api/v1/opportunities/", payload, format="json")
    assert response.status_code == 201, response.content
    created = Opportunity.objects.get(pk=response.json()["id"])
    assert created.owner == rep
    assert created.stage == "value_presentation"
    assert created.history.first().history_user == rep


def test_a_rep_cannot_open_an_opportunity_outside_their_regions(api, rep, east, solution_a):
    customer = CustomerFactory(region=east)
    response = api.as_user(rep).post("/api/v1/opportunities/", _new_opportunity(customer, region="east"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "region" in response.json()["fields"]
    assert not Opportunity.objects.exists()


def test_bad_opportunity_fields_are_named(api, rep, north, solution_a):
    customer = CustomerFactory(region=north)
    payload = _new_opportunity(customer, project_class="Z", solution="nope")
    response = api.as_user(rep).post("/api/v1/opportunities/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"project_class", "solution"}


def test_only_reps_create_opportunities(api, engineer_user, north, solution_a):
    customer = CustomerFactory(region=north)
    response = api.as_user(engineer_user).post("/api/v1/opportunities/", _new_opportunity(customer), format="json")
    assert response.status_code == 403
    assert not Opportunity.objects.exists()


def test_idempotency_key_replays_the_first_response(api, rep, north, solution_a):
    client = api.as_user(rep)
    payload = _new_opportunity(CustomerFactory(region=north))
    first = client.post("/api/v1/opportunities/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/opportunities/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Opportunity.objects.count() == 1


def test_idempotency_key_with_another_body_is_409(api, rep, north, solution_a):
    client = api.as_user(rep)
    customer = CustomerFactory(region=north)
    client.post("/api/v1/opportunities/", _new_opportunity(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post(
        "/api/v1/opportunities/", _new_opportunity(customer, name="Other"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Opportunity.objects.count() == 1


def test_a_failed_request_does_not_burn_its_idempotency_key(api, rep, north, solution_a):
    client = api.as_user(rep)
    customer = CustomerFactory(region=north)
    bad = client.post(
        "/api/v1/opportunities/", _new_opportunity(customer, region="east"), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert bad.status_code == 400
    good = client.post("/api/v1/opportunities/", _new_opportunity(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


def test_reference_data_is_readable_by_every_signed_in_user(api, engineer_user, north, solution_a):
    SkillFactory(code="gis", name="GIS")
    RateFactory(resource_type="architect", grade="P5", hourly_rate=Decimal("1250.00"))
    CustomerFactory(region=north, name="City Police", tier="A")
    client = api.as_user(engineer_user)
    assert client.get("/api/v1/regions/").json()["results"] == [{"code": "north", "name": "华北 North China"}]
    assert client.get("/api/v1/solutions/").json()["results"][0]["code"] == "A"
    assert client.get("/api/v1/skills/").json()["results"] == [{"code": "gis", "name": "GIS"}]
    rate = client.get("/api/v1/rates/").json()["results"][0]
    assert rate["hourly_rate"] == "1250.00"
    assert {"resource_type", "grade", "hourly_rate"} <= set(rate)
    customer = client.get("/api/v1/customers/").json()["results"][0]
    assert customer == {"id": customer["id"], "name": "City Police", "tier": "A", "region": "north"}
    assert client.get("/api/v1/regions/north/").json()["code"] == "north"


def test_admins_write_reference_data(api, admin_user):
    client = api.as_user(admin_user)
    assert client.post("/api/v1/regions/", {"code": "west", "name": "West"}, format="json").status_code == 201
    assert client.patch("/api/v1/regions/west/", {"name": "西部 West"}, format="json").status_code == 200
    region = Region.objects.get(code="west")
    assert region.name == "西部 West"
    assert [h.history_user for h in region.history.all()] == [admin_user, admin_user]
    response = client.post("/api/v1/rates/", {"resource_type": "pm", "grade": "P4", "hourly_rate": "-1"}, format="json")
    assert response.status_code == 400
    assert "hourly_rate" in response.json()["fields"]


def test_reference_data_still_in_use_is_not_deleted(api, admin_user, north, solution_a):
    OpportunityFactory(customer=CustomerFactory(region=north), solution=solution_a, owner=admin_user)
    client = api.as_user(admin_user)
    for url in ("/api/v1/regions/north/", "/api/v1/solutions/A/"):
        response = client.delete(url)
        assert (response.status_code, response.json()["code"]) == (409, "in_use")
    assert Region.objects.filter(code="north").exists()
    assert client.delete("/api/v1/regions/", format="json").status_code == 405  # the list is not deleted


def test_customer_filters(api, rep, north, east):
    CustomerFactory(region=north, tier="A")
    CustomerFactory(region=east, tier="B")
    client = api.as_user(rep)
    assert client.get("/api/v1/customers/?tier=B").json()["count"] == 1
    assert client.get("/api/v1/customers/?region=north").json()["count"] == 1
