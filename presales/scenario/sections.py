"""The organisation's own sections: regions, solutions, skills, rates, users, customers and
opportunities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from presales.choices import CustomerTier, PresalesStage, ProjectClass, Role
from presales.models import Customer, Opportunity, Rate, Region, Skill, Solution, User
from presales.scenario.loading import Loader, register
from presales.scenario.nodes import Node, ScenarioContext
from presales.services.opportunities import opportunity_create
from presales.services.users import user_upsert


def _coded_loader(model: type[models.Model], kind: str, **optional: Callable[[Node], Any]) -> Loader:
    """Loader for reference data addressed by ``code`` with a ``name``; ``optional`` fields
    parse to None when absent, leaving the model's default."""

    def load(ctx: ScenarioContext, section: Node) -> None:
        for record in section.records():
            code = record["code"].text()
            record["code"].ensure_new(kind, code, model.objects.filter(code=code))
            extra = {name: parse(record[name]) for name, parse in optional.items()}
            fields = {name: value for name, value in extra.items() if value is not None}
            ctx.remember(kind, code, record.create(model, code=code, name=record["name"].text(), **fields))

    return load


def load_rates(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        key = (record["resource_type"].text(), record["grade"].text())
        record["grade"].ensure_new("rate", key, Rate.objects.filter(resource_type=key[0], grade=key[1]))
        rate = record.create(Rate, resource_type=key[0], grade=key[1], hourly_rate=record["hourly_rate"].decimal())
        ctx.remember("rate", key, rate)


def user_from_record(ctx: ScenarioContext, record: Node, *, roles: list[str], regions: list[Region]) -> User:
    """The account of a ``users`` or ``engineers`` record, with the file's password (or none)."""
    username = record["username"].text()
    record["username"].ensure_new("user", username, User.objects.filter(username=username))
    fields = {
        "display_name": record["display_name"].text(),
        "rank": record["rank"].text(default=""),
        "email": record["email"].text(default=""),
    }
    with record.guard():
        user = user_upsert(username=username, roles=roles, regions=regions, password=ctx.password, **fields)
    return ctx.remember("user", username, user)


def load_users(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        roles = [node.choice(Role, "role") for node in record["roles"].items()]
        regions = [node.ref("region") for node in record["regions"].items(default=[])]
        user_from_record(ctx, record, roles=roles, regions=regions)


def load_customers(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        key = record["key"].text()
        record["key"].ensure_new("customer", key, Customer.objects.filter(key=key))
        customer = record.create(
            Customer,
            key=key,
            name=record["name"].text(),
            tier=record["tier"].choice(CustomerTier, "tier"),
            region=record["region"].ref("region"),
        )
        ctx.remember("customer", key, customer)


def load_opportunities(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        key = record["key"].text()
        record["key"].ensure_new("opportunity", key, Opportunity.objects.filter(key=key))
        fields = {
            "name": record["name"].text(),
            "owner": record["owner"].ref("user"),
            "customer": record["customer"].ref("customer"),
            "region": record["region"].ref("region"),
            "solution": record["solution"].ref("solution"),
            "project_class": record["project_class"].choice(ProjectClass, "project class"),
            "stage": record["stage"].choice(PresalesStage, "stage"),
        }
        with record.guard(blame="owner"):
            ctx.remember("opportunity", key, opportunity_create(key=key, **fields))


register("regions", _coded_loader(Region, "region"), order=10)
register(
    "solutions",
    _coded_loader(Solution, "solution", slight_delay_hours=lambda node: node.integer(minimum=0, default=None)),
    order=20,
)
register("skills", _coded_loader(Skill, "skill"), order=30)
register("rates", load_rates, order=40)
register("users", load_users, order=50)
register("customers", load_customers, order=60)
register("opportunities", load_opportunities, order=80)
