"""Every booking row is made by one private constructor (dispatch.services.bookings._book), so
create, reassign and a grab order's confirmation price, budget and reserve a booking alike."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("presales", "budgeting", "dispatch", "grabbing", "monitoring")


def _booking_creations(tree: ast.AST) -> list[str]:
    """The functions of ``tree`` that call Booking.objects.create / bulk_create or Booking(...)."""
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            text = ast.unparse(node.func)
            if text in {"Booking.objects.create", "Booking.objects.bulk_create", "Booking"}:
                found.append(function.name)
    return found


def _product_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def test_only_the_private_constructor_makes_booking_rows():
    makers = {
        f"{path.relative_to(ROOT)}::{name}"
        for path in _product_files()
        for name in _booking_creations(ast.parse(path.read_text()))
    }
    assert makers == {"dispatch/services/bookings.py::_book"}


def test_the_guard_sees_a_second_constructor():
    second = "def reassign_quickly():\n    return Booking.objects.create(engineer=None)\n"
    assert _booking_creations(ast.parse(second)) == ["reassign_quickly"]
