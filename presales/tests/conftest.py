import pytest

from presales.tests.mass import World


@pytest.fixture
def world(rep, other_rep, engineer_user, manager, other_manager, lead, admin_user, north, east, solution_a):
    """The mass-assignment tests' world (presales/tests/mass.py)."""
    return World(
        rep=rep,
        other_rep=other_rep,
        engineer_user=engineer_user,
        manager=manager,
        other_manager=other_manager,
        lead=lead,
        admin_user=admin_user,
        north=north,
        east=east,
        solution_a=solution_a,
    )
