import pytest

from tests.mass import World


@pytest.fixture
def world(request, db):
    """The mass-assignment tests' world (tests/mass.py)."""
    return World(request)
