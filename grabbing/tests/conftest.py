import pytest

from dispatch.tests.engineers import make_engineer, make_opportunity
from grabbing.tests.factories import budget_for, window


@pytest.fixture
def opportunity(rep, north, solution_a):
    return make_opportunity(rep, region=north, solution=solution_a)


@pytest.fixture
def budget(rep):
    return budget_for(rep, window()[0])


@pytest.fixture
def wang(engineer_user, north, solution_a):
    return make_engineer(engineer_user, region=north, solutions=[solution_a])


@pytest.fixture
def li(east, solution_a):
    return make_engineer("li", region=east, solutions=[solution_a], grade="P5", hourly_rate="800.00")
