"""Factories for the organisation. Personas in conftest.py are built from these."""

from decimal import Decimal

import factory

from presales.choices import CustomerTier, PresalesStage, ProjectClass
from presales.models import Customer, Opportunity, Rate, Region, Skill, Solution, User
from presales.services.users import user_upsert

PASSWORD = "correct-horse-battery"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region{n}")
    name = factory.LazyAttribute(lambda o: f"Region {o.code}")


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Solution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sol{n}")
    name = factory.LazyAttribute(lambda o: f"Solution {o.code}")
    slight_delay_hours = 48


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skill{n}")
    name = factory.LazyAttribute(lambda o: f"Skill {o.code}")


class RateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rate
        django_get_or_create = ("resource_type", "grade")

    resource_type = "presales"
    grade = "P3"
    hourly_rate = Decimal("500.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    tier = CustomerTier.A
    region = factory.SubFactory(RegionFactory)


def make_user(username: str, *, roles: list[str], regions: list[Region] = (), display_name: str = "", **extra) -> User:
    return user_upsert(
        username=username,
        display_name=display_name or username.replace("_", " ").title(),
        roles=roles,
        regions=list(regions),
        password=PASSWORD,
        **extra,
    )


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Opportunity {n}")
    customer = factory.SubFactory(CustomerFactory)
    region = factory.SelfAttribute("customer.region")
    solution = factory.SubFactory(SolutionFactory)
    project_class = ProjectClass.C
    stage = PresalesStage.VALUE_PRESENTATION
    owner = None
