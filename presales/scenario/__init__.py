"""Importing an organisation from a scenario file (format: ``shared/docs/scenario-format.md``).

Each app loads its own sections from its own ``scenario.py``, registered here with an order
and found by autodiscovery, so presales never imports the apps built on it
(presales ← budgeting ← dispatch ← grabbing). Orders in use: regions 10, solutions 20,
skills 30, rates 40, budget_policy 45, users 50, engineers 55, customers 60,
sales_targets 70, attainment 65, opportunities 80.

A file is one transaction: the first error is raised as a ``ScenarioError`` naming the record
and field (``engineers[3].skills[1].code``) and leaves the database untouched. Keys, codes and
usernames already in the database are refused rather than merged: two files describing the
same record differently cannot both be right, and the same file twice is a no-op (checksum).
"""

from presales.scenario.loading import SECTIONS, SectionLoader, load_scenario, register, summary_lines
from presales.scenario.nodes import Node, ScenarioContext, ScenarioError
from presales.scenario.sections import user_from_record  # the import registers the organisation's loaders

__all__ = [
    "SECTIONS",
    "Node",
    "ScenarioContext",
    "ScenarioError",
    "SectionLoader",
    "load_scenario",
    "register",
    "summary_lines",
    "user_from_record",
]
