"""The reference file's organisation, people and import record, imported once for the module."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate

from presales.choices import Role
from presales.models import Customer, Opportunity, Rate, Region, RoleAssignment, ScenarioImport, Solution, User
from presales.tests.factories import PASSWORD
from presales.tests.scenario_files import load, reference_data, reference_path, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(reference_scenario):
    """What importing the reference file printed; it is imported once for the module (conftest.py)."""
    return reference_scenario


def test_the_reference_file_loads_the_organisation(loaded):
    assert sorted(Region.objects.values_list("code", flat=True)) == ["east", "north"]
    assert dict(Solution.objects.values_list("code", "slight_delay_hours")) == {"A": 48, "B": 48, "C": 48}
    assert Rate.objects.get(resource_type="architect", grade="P5").hourly_rate == Decimal("1250.00")
    assert User.objects.count() == 4 + 16  # people plus engineers
    assert dict(Customer.objects.values_list("key", "tier")) == {"c1": "A", "c2": "B"}
    owners = dict(Opportunity.objects.values_list("key", "owner__username"))
    assert owners == {"o1": "rep_a", "o2": "rep_a", "poolA": "rep_b", "poolB": "rep_b", "poolC": "rep_b"}


def test_people_keep_their_roles_regions_and_rank(loaded):
    rep_b = User.objects.get(username="rep_b")
    assert rep_b.rank == "vice president"
    assert rep_b.role_codes == {Role.SALES}
    assert rep_b.region_codes == ["north"]
    assert User.objects.get(username="mgr_east").role_codes == {Role.MANAGER}
    assert RoleAssignment.objects.filter(role=Role.ENGINEER).count() == 16


def test_accounts_sign_in_with_the_given_password(loaded):
    assert authenticate(username="rep_a", password=PASSWORD).username == "rep_a"
    assert authenticate(username="zhang", password=PASSWORD).username == "zhang"


def test_the_import_is_recorded_with_its_checksum_and_summary(loaded):
    record = ScenarioImport.objects.get()
    assert record.name == "source-articles"
    assert len(record.sha256) == 64
    assert record.summary["loaded"]["regions"] == 2
    assert record.summary["loaded"]["work_orders"] == len(reference_data()["work_orders"])
    assert record.summary["skipped"] == {}


def test_every_section_of_the_reference_file_is_imported(loaded):
    assert "skipped" not in loaded
    assert f"work_orders: {len(reference_data()['work_orders'])}" in loaded


def test_loading_the_same_file_twice_changes_nothing(loaded):
    before = row_counts()
    again = load(reference_path())
    assert row_counts() == before
    assert "already loaded" in again
    assert ScenarioImport.objects.count() == 1


def test_the_checksum_ignores_formatting(loaded, tmp_path):
    reindented = tmp_path / "reindented.json"
    reindented.write_text(json.dumps(reference_data(), indent=1), encoding="utf-8")
    assert "already loaded" in load(reindented)


def test_imported_people_have_history(loaded):
    assert User.history.filter(username="rep_a").count() >= 1
    assert RoleAssignment.history.filter(user__username="rep_a", role=Role.SALES).exists()
    assert Opportunity.history.filter(key="o1").count() == 1
