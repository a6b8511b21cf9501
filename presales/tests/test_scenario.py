"""The scenario importer: the organisation's sections, one transaction, errors that name the
record and field, loading twice, skipped sections. Engineers and budgets are tested in their apps."""

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from presales import scenario
from presales.models import Region, ScenarioImport, User
from presales.scenario import SectionLoader, load_scenario, loading, register
from presales.tests.factories import RegionFactory
from presales.tests.scenario_files import broken_copy, load, reference_data, reference_path, row_counts, set_at

pytestmark = pytest.mark.django_db


def test_without_a_password_nobody_can_sign_in_and_the_command_says_how():
    out = load(reference_path(), password=None)
    assert not User.objects.get(username="rep_a").has_usable_password()
    assert "manage.py changepassword" in out


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
