"""Every role the fuzz covers has its own module here, so none is left out of the run."""

from pathlib import Path

from tests.fuzz.fuzzing import ROLES


def test_every_role_has_its_module():
    modules = {path.stem for path in Path(__file__).parent.glob("test_*.py")} - {"test_roles"}
    assert modules == {f"test_{role or 'anonymous'}" for role in ROLES}
