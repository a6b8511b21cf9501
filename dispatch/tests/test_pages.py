"""Dispatch pages: the engineer search reps run, and an engineer's own schedule."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Engineer, EngineerSkill, TimeOff, WorkingHours
from dispatch.selectors import engineer_search
from presales.choices import Role
from presales.tests.factories import RegionFactory, SkillFactory, SolutionFactory, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_engineer(username, *, region, grade="P3", solutions=(), skills=None, active=True):
    user = make_user(username, roles=[Role.ENGINEER], regions=[region])
    engineer = Engineer.objects.create(
        user=user, region=region, resource_type="presales", grade=grade, is_active=active
    )
    engineer.solutions.set(solutions)
    for skill, level in (skills or {}).items():
        EngineerSkill.objects.create(engineer=engineer, skill=skill, level=level)
    return engineer


@pytest.fixture
def pool(north, east):
    """Zhang (north, senior, city + k8s 5), Li (north, city + k8s 2), Wang (east, k8s 4), Zhao inactive."""
    city, cloud = SolutionFactory(code="city"), SolutionFactory(code="cloud")
    k8s, sql = SkillFactory(code="k8s"), SkillFactory(code="sql")
    return {
        "zhang": make_engineer("zhang", region=north, grade="P5", solutions=[city], skills={k8s: 5, sql: 1}),
        "li": make_engineer("li", region=north, grade="P3", solutions=[city, cloud], skills={k8s: 2, sql: 4}),
        "wang": make_engineer("wang", region=east, grade="P3", solutions=[cloud], skills={k8s: 4}),
        "zhao": make_engineer("zhao", region=north, grade="P5", solutions=[city], skills={k8s: 5}, active=False),
        "city": city,
        "cloud": cloud,
        "k8s": k8s,
        "sql": sql,
    }


def names(engineers) -> set[str]:
    return {engineer.user.username for engineer in engineers}


# --- The selector ------------------------------------------------------------------------------


def test_search_without_criteria_lists_active_engineers(pool):
    assert names(engineer_search()) == {"zhang", "li", "wang"}


def test_search_by_solution(pool):
    assert names(engineer_search(solution=pool["city"])) == {"zhang", "li"}


def test_search_by_skill_at_any_level(pool):
    assert names(engineer_search(skills=[pool["sql"]])) == {"zhang", "li"}


def test_search_by_skill_and_minimum_level_uses_the_same_skill(pool):
    assert names(engineer_search(skills=[pool["k8s"]], min_level=4)) == {"zhang", "wang"}
    # Zhang has sql only at level 1: his k8s 5 must not satisfy "sql ≥ 4".
    assert names(engineer_search(skills=[pool["sql"]], min_level=4)) == {"li"}


def test_search_by_minimum_level_alone_means_any_skill(pool):
    assert names(engineer_search(min_level=5)) == {"zhang"}


def test_search_by_region_and_grade(pool, north):
    assert names(engineer_search(region=north)) == {"zhang", "li"}
    assert names(engineer_search(grade="P3")) == {"li", "wang"}
    assert names(engineer_search(region=north, grade="P3")) == {"li"}


def test_search_combines_every_criterion(pool, north):
    found = engineer_search(solution=pool["cloud"], skills=[pool["k8s"]], min_level=2, region=north, grade="P3")
    assert names(found) == {"li"}


def test_search_lists_each_engineer_once(pool):
    assert engineer_search(min_level=1).count() == 3


# --- The find page ---------------------------------------------------------------------------


def rows(response) -> set[str]:
    return names(response.context["page"].object_list)


def test_find_page_filters_through_the_form(client, rep, pool):
    client.force_login(rep)
    url = reverse("dispatch:find")
    assert rows(client.get(url)) == {"zhang", "li", "wang"}
    assert rows(client.get(url, {"solution": "city"})) == {"zhang", "li"}
    assert rows(client.get(url, {"skill": "k8s", "min_level": "4"})) == {"zhang", "wang"}
    assert rows(client.get(url, {"region": "east"})) == {"wang"}
    assert rows(client.get(url, {"grade": "P5"})) == {"zhang"}
    assert rows(client.get(url, {"solution": "", "skill": "", "min_level": "", "region": "", "grade": ""})) == {
        "zhang",
        "li",
        "wang",
    }


def test_find_page_shows_engineers_and_says_booking_comes_later(client, rep, pool):
    client.force_login(rep)
    body = client.get(reverse("dispatch:find"), {"region": "east"}, **EN).content.decode()
    assert 'data-engineer="wang"' in body and 'data-engineer="zhang"' not in body
    assert "Skill k8s · 4" in body
    assert "schedule board" in body and "later release" in body


def test_find_page_rejects_unknown_filter_values(client, rep, pool):
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"region": "nowhere", "min_level": "9"}, **EN)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert set(response.context["form"].errors) == {"region", "min_level"}


def test_find_page_shows_when_nothing_matches(client, rep, pool):
    RegionFactory(code="west")
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"region": "west"}, **EN)
    assert "No engineers match these filters." in response.content.decode()


# --- My schedule -----------------------------------------------------------------------------


def test_my_schedule_shows_profile_skills_hours_and_upcoming_time_off(client, engineer_user, north):
    engineer = Engineer.objects.create(
        user=engineer_user, region=north, resource_type="presales", grade="P4", home_office="Beijing"
    )
    engineer.solutions.set([SolutionFactory(code="city", name="Smart City")])
    EngineerSkill.objects.create(engineer=engineer, skill=SkillFactory(code="k8s", name="Kubernetes"), level=4)
    WorkingHours.objects.create(engineer=engineer, weekday=1, start=dt.time(9), end=dt.time(12))
    WorkingHours.objects.create(engineer=engineer, weekday=1, start=dt.time(13, 30), end=dt.time(18))
    now = timezone.now()
    TimeOff.objects.create(engineer=engineer, start=now - dt.timedelta(days=10), end=now - dt.timedelta(days=9))
    TimeOff.objects.create(
        engineer=engineer, start=now + dt.timedelta(days=3), end=now + dt.timedelta(days=4), reason="Annual leave"
    )
    client.force_login(engineer_user)
    response = client.get(reverse("dispatch:my-schedule"), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("王工 Wang", "Beijing", "P4", "Smart City", "Kubernetes", "09:00–12:00, 13:30–18:00", "Annual leave"):
        assert text in body
    assert "Monday" in body and "Not working" in body
    assert list(response.context["time_off"]) == [engineer.time_off.get(reason="Annual leave")]


def test_my_schedule_is_404_without_an_engineer_profile(client, engineer_user):
    client.force_login(engineer_user)
    assert client.get(reverse("dispatch:my-schedule")).status_code == 404
