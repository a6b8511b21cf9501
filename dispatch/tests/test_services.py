"""``engineer_upsert``: the rate-card rule, and an update that touches only what changed."""

import datetime as dt

import pytest

from dispatch.services.engineers import engineer_upsert
from presales.exceptions import ValidationFailed
from presales.tests.factories import RateFactory, SkillFactory

pytestmark = pytest.mark.django_db

NINE_TO_SIX = [(day, dt.time(9), dt.time(18)) for day in range(1, 6)]


@pytest.fixture
def profile(north, solution_a):
    RateFactory(resource_type="presales", grade="P3")
    return {
        "region": north,
        "resource_type": "presales",
        "grade": "P3",
        "time_zone": "Asia/Shanghai",
        "solutions": [solution_a],
        "skills": {SkillFactory(code="gis"): 4},
        "working_hours": NINE_TO_SIX,
        "time_off": [],
    }


def test_an_update_keeps_unchanged_rows_and_replaces_changed_ones(engineer_user, profile):
    engineer = engineer_upsert(user=engineer_user, **profile)
    monday = engineer.working_hours.get(weekday=1).pk
    video = SkillFactory(code="video")
    hours = [(day, start, dt.time(17) if day == 5 else end) for day, start, end in NINE_TO_SIX]
    engineer_upsert(user=engineer_user, **{**profile, "skills": {video: 3}, "working_hours": hours})
    assert engineer.working_hours.get(weekday=1).pk == monday
    assert engineer.working_hours.get(weekday=5).end == dt.time(17)
    assert {level.skill.code: level.level for level in engineer.skill_levels.all()} == {"video": 3}


def test_a_grade_without_a_rate_is_refused(engineer_user, profile):
    with pytest.raises(ValidationFailed) as refused:
        engineer_upsert(user=engineer_user, **{**profile, "grade": "P9"})
    assert set(refused.value.fields) == {"grade"}


def test_only_engineers_get_a_profile(rep, profile):
    with pytest.raises(ValidationFailed) as refused:
        engineer_upsert(user=rep, **profile)
    assert set(refused.value.fields) == {"user"}
