"""The scenario importer: the organisation's sections, one transaction, errors that name the
record and field, loading twice, skipped sections. Engineers and budgets are tested in their apps."""

import ast
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from presales import scenario
from presales.choices import Role
from presales.models import Customer, Opportunity, Rate, Region, RoleAssignment, ScenarioImport, Solution, User
from presales.scenario import SectionLoader, load_scenario, loading, register
from presales.tests.factories import PASSWORD, RegionFactory
from presales.tests.scenario_files import broken_copy, load, reference_data, reference_path, row_counts, set_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    return load(reference_path())


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


def test_without_a_password_nobody_can_sign_in_and_the_command_says_how():
    out = load(reference_path(), password=None)
    assert not User.objects.get(username="rep_a").has_usable_password()
    assert "manage.py changepassword" in out


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


BROKEN = [
    (set_at("format", 2), "format: unsupported format 2"),
    (set_at("timezone", "Mars/Base"), "timezone: unknown time zone 'Mars/Base'"),
    (set_at("as_of", "2026-06-15T00:00:00"), "as_of: '2026-06-15T00:00:00' has no UTC offset"),
    (set_at("colour", "blue"), "colour: unknown section 'colour'"),
    (set_at("regions[1].code", "north"), "regions[1].code: region 'north' appears twice in the file"),
    (set_at("solutions[2].slight_delay_hours", -1), "solutions[2].slight_delay_hours: -1 is below the minimum 0"),
    (set_at("rates[1].hourly_rate", 625.5), "rates[1].hourly_rate: expected a decimal written as a string"),
    (set_at("rates[1].hourly_rate", "-1"), "rates[1].hourly_rate: "),
    (set_at("users[1].roles", ["sales", "boss"]), "users[1].roles[1]: unknown role 'boss'"),
    (set_at("users[3].regions[0]", "west"), "users[3].regions[0]: unknown region 'west'"),
    (set_at("customers[1].tier", "Z"), "customers[1].tier: unknown tier 'Z'"),
    (set_at("customers[0].key", None), "customers[0].key: required"),
    (set_at("opportunities[2].owner", "mgr_north"), "opportunities[2].owner: "),
    (set_at("opportunities[0].owner", "nobody"), "opportunities[0].owner: unknown user 'nobody'"),
    (set_at("opportunities[1].region", "east"), "opportunities[1].region: "),
]


@pytest.mark.parametrize(("change", "message"), BROKEN, ids=[message.split(":")[0] for _c, message in BROKEN])
def test_a_broken_file_names_the_record_and_field_and_changes_nothing(tmp_path, change, message):
    with pytest.raises(CommandError) as raised:
        load(broken_copy(tmp_path, change))
    assert message in str(raised.value)
    assert not any(row_counts().values()), "a failed import must leave every table empty"


def test_a_refused_service_call_names_the_value(tmp_path):
    with pytest.raises(CommandError, match=r"opportunities\[2\]\.owner: .*\(got 'mgr_north'\)"):
        load(broken_copy(tmp_path, set_at("opportunities[2].owner", "mgr_north")))


def test_records_of_another_file_are_refused_not_merged(tmp_path):
    RegionFactory(code="north", name="Somewhere else")
    with pytest.raises(CommandError, match=re.escape("regions[0].code: region 'north' already exists")):
        load(reference_path())
    assert Region.objects.count() == 1
    assert not ScenarioImport.objects.exists()


@pytest.mark.parametrize(("content", "message"), [(None, "Cannot read"), ("{not json", "is not valid JSON")])
def test_unreadable_files_are_command_errors(tmp_path, content, message):
    path = tmp_path / "file.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        load(path)


def test_a_section_is_loaded_once_an_app_registers_a_loader(monkeypatch):
    seen = []
    loader = SectionLoader("work_orders", lambda ctx, section: seen.append(len(section.items())), order=90)
    monkeypatch.setitem(loading._loaders, "work_orders", loader)
    summary = load_scenario(reference_data(), name="t", password=None)
    assert seen == [len(reference_data()["work_orders"])]
    assert summary["skipped"] == {}
    assert summary["loaded"]["work_orders"] == seen[0]


def test_two_loaders_for_one_section_are_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        register("regions", lambda ctx, section: None, order=10)


def test_presales_does_not_import_the_apps_built_on_it():
    trees = [ast.parse(path.read_text()) for path in Path(scenario.__file__).parent.glob("*.py")]
    nodes = [node for tree in trees for node in ast.walk(tree)]
    modules = {node.module for node in nodes if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    assert not {module.split(".")[0] for module in modules if module} & {"budgeting", "dispatch", "grabbing"}
