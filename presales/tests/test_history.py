"""Who changed what, when: history on the models that matter, visible in the admin."""

import pytest
from django.urls import reverse

from presales.choices import PresalesStage, Role
from presales.models import Opportunity
from presales.services.users import user_upsert
from presales.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_every_change_to_an_opportunity_is_recorded_with_who_and_when(rep, admin_user, client, password):
    opportunity = OpportunityFactory(owner=rep, region=rep.regions.first())
    client.login(username="admin", password=password)
    url = reverse("admin:presales_opportunity_change", args=[opportunity.pk])
    form = {
        "name": opportunity.name,
        "customer": opportunity.customer_id,
        "region": opportunity.region_id,
        "solution": opportunity.solution_id,
        "project_class": "B",
        "stage": PresalesStage.BIDDING,
        "owner": rep.pk,
    }
    assert client.post(url, form).status_code == 302
    latest = Opportunity.history.filter(id=opportunity.pk).first()
    assert latest.stage == PresalesStage.BIDDING
    assert latest.history_user == admin_user
    assert latest.history_type == "~"
    assert latest.prev_record.stage == PresalesStage.VALUE_PRESENTATION
    assert {change.field for change in latest.diff_against(latest.prev_record).changes} == {"stage", "project_class"}


def test_role_and_region_changes_of_people_are_recorded(north, east):
    user = user_upsert(username="x", display_name="X", roles=[Role.SALES], regions=[north])
    user_upsert(username="x", display_name="X", roles=[Role.MANAGER], regions=[east])
    assert user.role_assignments.get().role == Role.MANAGER
    removed = user.role_assignments.model.history.filter(history_type="-").get()
    assert removed.role == Role.SALES
    region_codes = [sorted(r.region.code for r in record.regions.all()) for record in user.history.all()]
    assert region_codes[0] == ["east"]  # newest first
    assert ["north"] in region_codes[1:]


def test_history_is_visible_in_the_admin(rep, admin_user, client, password):
    opportunity = OpportunityFactory(owner=rep, region=rep.regions.first())
    client.login(username="admin", password=password)
    page = client.get(reverse("admin:presales_opportunity_history", args=[opportunity.pk]))
    assert page.status_code == 200
    assert opportunity.name in page.content.decode()
