"""The reference scenario file and broken copies of it, for every app's importer tests."""

import copy
import json
import os
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from presales.tests.factories import PASSWORD

APPS = ("presales", "budgeting", "dispatch", "grabbing", "monitoring")


def reference_path() -> Path:
    """``shared/scenario/source-articles.json`` beside the repository, or ``$SCENARIO_FILE``."""
    override = os.environ.get("SCENARIO_FILE")
    return Path(override) if override else Path(settings.BASE_DIR).parent / "shared/scenario/source-articles.json"


def reference_data() -> dict:
    return json.loads(reference_path().read_text(encoding="utf-8"))


def load(path: Path, **options) -> str:
    """Run ``manage.py load_scenario`` and return what it printed."""
    out = StringIO()
    call_command("load_scenario", str(path), stdout=out, **{"password": PASSWORD, **options})
    return out.getvalue()


def broken_copy(tmp_path: Path, change: Callable[[dict], object]) -> Path:
    """The reference file with ``change`` applied to its data, written under ``tmp_path``."""
    data = copy.deepcopy(reference_data())
    change(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def set_at(path: str, value):
    """A change to the file: set the value at ``a[1].b``-style ``path``."""
    *parents, last = re.findall(r"[^.\[\]]+", path)

    def change(data):
        node = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


# Reference rows that migrations create (the default contingency plans), not imports.
SEEDED_BY_MIGRATIONS = {"monitoring.ContingencyPlan"}


def row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps, history and many-to-many tables included,
    except the reference rows that migrations seed."""
    return {
        model._meta.label: model._default_manager.count()
        for app in APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model._meta.label not in SEEDED_BY_MIGRATIONS
    }
