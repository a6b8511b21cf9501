"""Loading a whole file: the registry of section loaders, the header, the transaction and
the checksum that makes a second load a no-op."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from presales.models import ScenarioImport
from presales.scenario.nodes import Node, ScenarioContext

FORMAT = 1
HEADER = ("format", "timezone", "as_of")
# Every section the format defines; one that no app loads yet is reported as skipped.
SECTIONS = (
    "regions",
    "solutions",
    "skills",
    "rates",
    "budget_policy",
    "users",
    "engineers",
    "customers",
    "sales_targets",
    "attainment",
    "opportunities",
    "work_orders",
)


Loader = Callable[[ScenarioContext, Node], None]


@dataclass(frozen=True)
class SectionLoader:
    section: str
    load: Loader
    order: int


_loaders: dict[str, SectionLoader] = {}


def register(sections: str | Iterable[str], loader: Loader, *, order: int) -> None:
    """Have ``loader(ctx, section_node)`` load these top-level sections, lowest order first."""
    for section in [sections] if isinstance(sections, str) else sections:
        known = _loaders.get(section)
        if known and known.load is not loader:
            raise ImproperlyConfigured(f"Two loaders for the scenario section {section!r}.")
        _loaders[section] = SectionLoader(section, loader, order)


def section_loaders() -> list[SectionLoader]:
    autodiscover_modules("scenario")
    return sorted(_loaders.values(), key=lambda loader: (loader.order, loader.section))


def scenario_digest(data: Any) -> str:
    """Checksum of the content, not the bytes: re-indenting a file does not make it new."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_scenario(
    data: dict,
    *,
    name: str,
    password: str | None,
    stdout: TextIO | None = None,
    progress: bool = False,
    loaded_by: str = "",
) -> dict:
    """Load a whole file in one transaction and return what was loaded and what was skipped.

    Every imported account gets ``password``; without one, accounts cannot sign in until a
    password is set. A file already loaded (same checksum) changes nothing.
    """
    digest = scenario_digest(data)
    previous = ScenarioImport.objects.filter(sha256=digest).first()
    if previous:
        summary = {**previous.summary, "already_loaded": True}
    else:
        with transaction.atomic():
            summary = {"name": name, "sha256": digest, **_load(data, password=password, progress=progress)}
            ScenarioImport.objects.create(name=name, sha256=digest, loaded_by=loaded_by, summary=summary)
        summary = {**summary, "already_loaded": False}
    if stdout is not None:
        stdout.write("\n".join(summary_lines(summary)) + "\n")
    return summary


def _load(data: Any, *, password: str | None, progress: bool) -> dict:
    ctx = ScenarioContext(password=password, progress=progress)
    root = Node(ctx, "", data)
    if not isinstance(data, dict):
        raise root.error(f"expected a JSON object at the top level, got {type(data).__name__}")
    loaders = section_loaders()
    root.only([*HEADER, *SECTIONS, *(loader.section for loader in loaders)], "section")
    _read_header(ctx, root)
    loaded = {}
    for loader in loaders:
        if loader.section in data:
            loader.load(ctx, root[loader.section])
            loaded[loader.section] = _size(data[loader.section])
    skipped = {section: _size(data[section]) for section in SECTIONS if section in data and section not in loaded}
    return {"loaded": loaded, "skipped": skipped, "usernames": sorted(ctx.objects["user"])}


def _read_header(ctx: ScenarioContext, root: Node) -> None:
    version = root["format"].integer()
    if version != FORMAT:
        raise root["format"].error(f"unsupported format {version} (this version reads format {FORMAT})")
    ctx.timezone = root["timezone"].time_zone()
    ctx.as_of = root["as_of"].moment(default=None)


def _size(section: Any) -> int:
    return len(section) if isinstance(section, list) else 1


def summary_lines(summary: dict) -> list[str]:
    if summary["already_loaded"]:
        return [f"Scenario {summary['name']!r} is already loaded (sha256 {summary['sha256'][:12]}…); nothing changed."]
    lines = [f"Loaded scenario {summary['name']!r} (sha256 {summary['sha256'][:12]}…):"]
    lines += [f"  {section}: {count}" for section, count in summary["loaded"].items()]
    lines += [
        f"  {section}: {count} records skipped — not imported yet" for section, count in summary["skipped"].items()
    ]
    return lines
