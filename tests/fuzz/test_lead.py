"""The API fuzz as a delivery-centre lead (tests/fuzz/fuzzing.py)."""

from tests.fuzz.fuzzing import every_operation_answers_as_documented


def test_every_operation_answers_as_documented(request, transactional_db, settings, world, admin_user):
    every_operation_answers_as_documented(request, settings, admin_user, "lead")
