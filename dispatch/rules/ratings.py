"""Ratings (满意度, domain §3): a score is a whole number from 1 to 5; 4–5 satisfied, 3 neutral,
1–2 a bad review (差评). The bounds serve the services and the CHECK constraint alike."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

SCORE_MIN, SCORE_MAX = 1, 5
SCORES = range(SCORE_MIN, SCORE_MAX + 1)
BAD_REVIEW_MAX_SCORE = 2
SATISFIED_MIN_SCORE = 4


def valid_score(score: object) -> bool:
    return isinstance(score, int) and SCORE_MIN <= score <= SCORE_MAX


def score_refused() -> dict[str, list[str]]:
    """The field error a service raises for a score out of bounds."""
    return {"score": [_("The score is a whole number from 1 to 5.")]}


def valid_score_q(prefix: str = "") -> Q:
    """``valid_score`` as a condition (the rating's CHECK constraint)."""
    return Q(**{f"{prefix}score__gte": SCORE_MIN, f"{prefix}score__lte": SCORE_MAX})


def is_bad_review(score: int) -> bool:
    return score <= BAD_REVIEW_MAX_SCORE


def bad_review_q(prefix: str = "") -> Q:
    """``is_bad_review`` as a filter; ``prefix`` reaches the rating from another model
    (``"rating__"`` from a booking)."""
    return Q(**{f"{prefix}score__lte": BAD_REVIEW_MAX_SCORE})


def whole_score(score: Decimal | int) -> int:
    """An average read as the whole score it rounds to, half up (3.5 is satisfied)."""
    return int(Decimal(score).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
