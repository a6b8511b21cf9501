import pytest

from presales.tests.mass import World


@pytest.fixture
def world(request, db):
    """The mass-assignment tests' world (presales/tests/mass.py)."""
    return World(request)
