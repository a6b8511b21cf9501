"""The page skeleton: sign-in, the home redirect per role, navigation, access and opportunities."""

import re

import pytest
from django.urls import reverse

from presales.choices import ProjectClass, Role
from presales.models import Opportunity
from presales.tests.factories import CustomerFactory, OpportunityFactory, SolutionFactory, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NAV_BY_ROLE = {
    "rep": {
        "dispatch:find",
        "dispatch:work_orders",
        "dispatch:my-bookings",
        "presales:opportunities",
        "budgeting:mine",
        "grabbing:mine",
        "dispatch:escalations",
        "dispatch:hotline",
    },
    "engineer_user": {"dispatch:my-schedule", "grabbing:invitations", "dispatch:hotline"},
    "manager": {
        "dispatch:find",
        "dispatch:work_orders",
        "presales:opportunities",
        "monitoring:dashboard",
        "budgeting:team",
        "dispatch:escalations",
    },
    "lead": {
        "dispatch:find",
        "presales:opportunities",
        "monitoring:dashboard",
        "dispatch:escalations",
        "dispatch:lead-work",
    },
    "admin_user": {
        "dispatch:find",
        "dispatch:work_orders",
        "presales:opportunities",
        "monitoring:dashboard",
        "budgeting:team",
        "dispatch:escalations",
    },
}


def nav_of(response) -> set[str]:
    """The url names of the navigation links actually rendered in the top bar."""
    return set(re.findall(r'data-nav="([^"]+)"', response.content.decode()))


@pytest.fixture
def engineer_profile(engineer_user, north):
    from dispatch.models import Engineer

    return Engineer.objects.create(user=engineer_user, region=north, resource_type="presales", grade="P3")


def test_sign_in_page_renders(client):
    response = client.get(reverse("login"), **EN)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_sign_in_with_wrong_password_shows_an_error(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": "wrong"}, **EN)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_then_home_lands_on_the_roles_page(client, rep, password):
    response = client.post(reverse("login"), {"username": "rep", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dispatch:find")
    assert response.status_code == 200


@pytest.mark.usefixtures("engineer_profile")
@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("rep", "dispatch:find"),
        ("engineer_user", "dispatch:my-schedule"),
        ("manager", "monitoring:dashboard"),
        ("lead", "monitoring:dashboard"),
        ("admin_user", "monitoring:dashboard"),
    ],
)
def test_home_redirects_each_role_and_shows_exactly_its_navigation(client, request, persona, landing):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain == [(reverse(landing), 302)]
    assert response.status_code == 200
    assert nav_of(response) == NAV_BY_ROLE[persona]
    assert f'data-nav="{landing}" class="active"' in response.content.decode()


def test_top_bar_shows_name_roles_and_sign_out(client, rep):
    client.force_login(rep)
    body = client.get(reverse("dispatch:find"), **EN).content.decode()
    assert "售前派单 Presales Dispatch" in body
    assert "销售 Rep" in body
    assert "Sales rep" in body
    assert f'action="{reverse("logout")}"' in body
    assert f'action="{reverse("set_language")}"' in body
    assert "hx-headers" in body and "X-CSRFToken" in body
    assert "vendor/htmx/htmx.min.js" in body


def test_user_without_role_goes_to_the_no_role_page(client, db):
    nobody = make_user("nobody", roles=[])
    client.force_login(nobody)
    response = client.get(reverse("home"), follow=True, **EN)
    assert response.redirect_chain == [(reverse("presales:no-role"), 302)]
    assert "has not been given a role" in response.content.decode()
    assert nav_of(response) == set()


PAGES_AND_ROLES = {
    "dispatch:find": {"rep", "manager", "lead", "admin_user"},
    "dispatch:my-schedule": {"engineer_user"},
    "dispatch:my-bookings": {"rep"},
    "dispatch:work_orders": {"rep", "manager", "admin_user"},
    "budgeting:mine": {"rep"},
    "presales:opportunities": {"rep", "manager", "lead", "admin_user"},
    "monitoring:dashboard": {"manager", "lead", "admin_user"},
}


@pytest.mark.usefixtures("engineer_profile")
@pytest.mark.parametrize("url_name", sorted(PAGES_AND_ROLES))
@pytest.mark.parametrize("persona", ["rep", "engineer_user", "manager", "lead", "admin_user"])
def test_pages_are_restricted_to_their_roles(client, request, url_name, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == (200 if persona in PAGES_AND_ROLES[url_name] else 403)


@pytest.mark.parametrize("url_name", [*sorted(PAGES_AND_ROLES), "presales:no-role", "home"])
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_forbidden_page_is_a_friendly_403(client, engineer_user):
    client.force_login(engineer_user)
    response = client.get(reverse("monitoring:dashboard"), **EN)
    assert response.status_code == 403
    assert "Your role does not give access to this page." in response.content.decode()


def test_sign_out_is_a_post(client, rep):
    client.force_login(rep)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dispatch:find")).status_code == 302


def test_sign_out_by_get_is_refused(client, rep):
    client.force_login(rep)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("dispatch:find")).status_code == 200


# --- Opportunities ---------------------------------------------------------------------------


@pytest.fixture
def opportunities(rep, other_rep, north, east):
    return {
        "mine": OpportunityFactory(name="Rep North Deal", owner=rep, customer=CustomerFactory(region=north)),
        "other": OpportunityFactory(name="Other Rep Deal", owner=other_rep, customer=CustomerFactory(region=north)),
        "east": OpportunityFactory(
            name="East Deal",
            owner=make_user("east_rep", roles=[Role.SALES], regions=[east]),
            customer=CustomerFactory(region=east),
        ),
    }


def test_rep_sees_only_own_opportunities(client, rep, opportunities):
    client.force_login(rep)
    body = client.get(reverse("presales:opportunities")).content.decode()
    assert "Rep North Deal" in body
    assert "Other Rep Deal" not in body
    assert "East Deal" not in body


def test_manager_sees_the_regions_opportunities_and_no_create_form(client, manager, opportunities):
    client.force_login(manager)
    body = client.get(reverse("presales:opportunities")).content.decode()
    assert "Rep North Deal" in body and "Other Rep Deal" in body
    assert "East Deal" not in body
    assert 'name="project_class"' not in body


def test_manager_cannot_post_an_opportunity(client, manager):
    client.force_login(manager)
    assert client.post(reverse("presales:opportunities"), {"name": "x"}).status_code == 403


def _form_data(customer, region, solution, **overrides):
    data = {
        "name": "Harbour Smart City",
        "customer": customer.pk,
        "region": region.pk,
        "solution": solution.pk,
        "project_class": ProjectClass.B,
        "stage": "value_presentation",
    }
    return data | overrides


def test_rep_creates_an_opportunity_through_the_form(client, rep, north):
    customer, solution = CustomerFactory(region=north), SolutionFactory(code="A")
    client.force_login(rep)
    response = client.post(reverse("presales:opportunities"), _form_data(customer, north, solution), follow=True, **EN)
    assert response.redirect_chain == [(reverse("presales:opportunities"), 302)]
    opportunity = Opportunity.objects.get(name="Harbour Smart City")
    assert (opportunity.owner, opportunity.region, opportunity.project_class) == (rep, north, ProjectClass.B)
    body = response.content.decode()
    assert "created" in body and "Harbour Smart City" in body


def test_a_region_the_rep_does_not_cover_shows_the_services_error(client, rep, north, east):
    customer, solution = CustomerFactory(region=east), SolutionFactory(code="A")
    client.force_login(rep)
    response = client.post(reverse("presales:opportunities"), _form_data(customer, east, solution), **EN)
    assert response.status_code == 200
    assert "You do not cover region east." in response.content.decode()
    assert response.context["form"].errors["region"] == ["You do not cover region east."]
    assert not Opportunity.objects.exists()


def test_an_incomplete_form_shows_field_errors(client, rep):
    client.force_login(rep)
    response = client.post(reverse("presales:opportunities"), {"name": ""}, **EN)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Opportunity.objects.exists()
