"""Tiered-support personas for dispatch tests: a delivery centre of solution A led by the lead,
a local engineer, one of that centre and one of another solution's centre."""

import pytest

from dispatch.tests.engineers import make_engineer
from dispatch.tests.tiers import centre_engineer, make_centre
from presales.tests.factories import SolutionFactory


@pytest.fixture
def centre(solution_a, lead):
    return make_centre(solution_a, lead=lead)


@pytest.fixture
def local(north, solution_a):
    return make_engineer("local", region=north, solutions=[solution_a])


@pytest.fixture
def own(centre, east):
    return centre_engineer("own", centre=centre, region=east)


@pytest.fixture
def other(east):
    return centre_engineer("other", centre=make_centre(SolutionFactory(code="B")), region=east)


@pytest.fixture
def team(local, own, other):
    return {"Local": local, "Own": own, "Other": other}
