"""presales.access: each predicate true and false, and the guard keeping role rules in it (#18)."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from dispatch.models import DeliveryCentre
from presales import access
from presales.choices import ProjectClass, Role
from presales.models import Opportunity
from presales.tests.factories import OpportunityFactory, RegionFactory, SolutionFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(north, east):
    """One user per role in ``north``, an east manager, and a user holding no role."""
    return {
        "rep": make_user("acc_rep", roles=[Role.SALES], regions=[north]),
        "engineer": make_user("acc_engineer", roles=[Role.ENGINEER], regions=[north]),
        "manager": make_user("acc_manager", roles=[Role.MANAGER], regions=[north]),
        "east_manager": make_user("acc_east_manager", roles=[Role.MANAGER], regions=[east]),
        "lead": make_user("acc_lead", roles=[Role.LEAD], regions=[north]),
        "admin": make_user("acc_admin", roles=[Role.ADMIN], regions=[north]),
        "nobody": make_user("acc_nobody", roles=[], regions=[north]),
    }


@pytest.mark.parametrize(
    ("predicate", "holders"),
    [
        (access.is_admin, {"admin"}),
        (access.is_manager, {"manager", "east_manager"}),
        (access.is_lead, {"lead"}),
        (access.is_rep, {"rep"}),
        (access.is_engineer, {"engineer"}),
        (access.is_manager_or_admin, {"manager", "east_manager", "admin"}),
    ],
)
def test_role_predicates(people, predicate, holders):
    assert {name for name, user in people.items() if predicate(user)} == holders


@pytest.mark.parametrize(
    ("audience", "holders"),
    [
        (access.REPS, {"rep"}),
        (access.ENGINEERS, {"engineer"}),
        (access.LEADS, {"lead"}),
        (access.MANAGERS_AND_ADMINS, {"manager", "east_manager", "admin"}),
        (access.REPS_AND_ADMINS, {"rep", "admin"}),
        (access.REPS_AND_ENGINEERS, {"rep", "engineer"}),
        (access.REPS_MANAGERS_AND_ADMINS, {"rep", "manager", "east_manager", "admin"}),
        (access.WATCHERS, {"manager", "east_manager", "lead", "admin"}),
        (access.OPPORTUNITY_ROLES, {"rep", "manager", "east_manager", "lead", "admin"}),
        (access.ALL_ROLES, {"rep", "engineer", "manager", "east_manager", "lead", "admin"}),
    ],
)
def test_audiences(people, audience, holders):
    assert {name for name, user in people.items() if access.has_any_role(user, audience)} == holders


def test_no_audience_admits_anonymous_or_none():
    assert not access.has_any_role(AnonymousUser(), access.ALL_ROLES)
    assert not access.has_any_role(None, access.ALL_ROLES)


def test_grants_staff_only_to_admins():
    assert access.grants_staff([Role.ADMIN])
    assert access.grants_staff([Role.SALES, Role.ADMIN])
    assert not access.grants_staff([Role.SALES, Role.MANAGER, Role.LEAD, Role.ENGINEER])
    assert not access.grants_staff([])


def test_role_labels_follow_the_declared_order(north):
    user = make_user("acc_two_roles", roles=[Role.ADMIN, Role.SALES], regions=[north])
    assert access.role_labels(user) == [Role.SALES.label, Role.ADMIN.label]
    assert access.role_labels(make_user("acc_none", roles=[])) == []


def test_manages_region(people, north, east):
    assert access.manages_region(people["manager"], north)
    assert access.manages_region(people["manager"], north.pk)
    assert not access.manages_region(people["manager"], east)
    assert not access.manages_region(people["east_manager"], north)
    # Being in the region is not managing it.
    assert not access.manages_region(people["rep"], north)
    assert not access.manages_region(people["admin"], north)


def test_manages_region_or_admin(people, north, east):
    assert access.manages_region_or_admin(people["admin"], east)
    assert access.manages_region_or_admin(people["manager"], north.pk)
    assert not access.manages_region_or_admin(people["manager"], east)
    assert not access.manages_region_or_admin(people["lead"], north)


def test_managed_regions_is_the_sql_form_of_manages_region(people, north, east):
    RegionFactory()  # a region nobody manages
    assert list(access.managed_regions(people["manager"])) == [north]
    assert list(access.managed_regions(people["east_manager"])) == [east]
    assert not access.managed_regions(people["rep"]).exists()  # in north, but no manager
    for user in people.values():
        for region in (north, east):
            in_sql = access.managed_regions(user).filter(pk=region.pk).exists()
            assert in_sql == access.manages_region(user, region)


def test_region_managers_is_the_sql_form_the_other_way_round(people, north, east):
    assert set(access.region_managers(north)) == {people["manager"]}
    assert set(access.region_managers(east)) == {people["east_manager"]}
    assert not access.region_managers(RegionFactory()).exists()


def test_manages_rep(people, east):
    assert access.manages_rep(people["manager"], people["rep"])
    assert not access.manages_rep(people["east_manager"], people["rep"])
    assert not access.manages_rep(people["lead"], people["rep"])  # same region, not a manager
    east_rep = make_user("acc_east_rep", roles=[Role.SALES], regions=[east])
    assert access.manages_rep(people["east_manager"], east_rep)
    assert not access.manages_rep(people["manager"], east_rep)


def test_owns_opportunity(people):
    opportunity = OpportunityFactory(owner=people["rep"])
    assert access.owns_opportunity(people["rep"], opportunity)
    assert not access.owns_opportunity(people["admin"], opportunity)
    assert not access.owns_opportunity(people["manager"], opportunity)


def test_owns_opportunity_or_admin(people):
    opportunity = OpportunityFactory(owner=people["rep"])
    assert access.owns_opportunity_or_admin(people["rep"], opportunity)
    assert access.owns_opportunity_or_admin(people["admin"], opportunity)
    assert not access.owns_opportunity_or_admin(people["manager"], opportunity)
    other = make_user("acc_other_rep", roles=[Role.SALES])
    assert not access.owns_opportunity_or_admin(other, opportunity)


def test_leads_solution(people):
    led, other = SolutionFactory(), SolutionFactory()
    DeliveryCentre.objects.create(solution=led, name="Centre", lead=people["lead"])
    assert access.leads_solution(people["lead"], led)
    assert access.leads_solution(people["lead"], led.pk)
    assert not access.leads_solution(people["lead"], other)
    # Named as the centre's lead without holding the role: not a lead.
    DeliveryCentre.objects.create(solution=other, name="Other centre", lead=people["rep"])
    assert not access.leads_solution(people["rep"], other)
    assert not access.leads_solution(make_user("acc_lead2", roles=[Role.LEAD]), led)


def test_leads_solution_q_is_the_sql_form_of_leads_solution(people):
    led, other = SolutionFactory(), SolutionFactory()
    DeliveryCentre.objects.create(solution=led, name="Centre", lead=people["lead"])
    on_led = OpportunityFactory(solution=led, owner=people["rep"])
    on_other = OpportunityFactory(solution=other, owner=people["rep"])
    assert list(Opportunity.objects.filter(access.leads_solution_q(people["lead"]))) == [on_led]
    assert not Opportunity.objects.filter(access.leads_solution_q(people["rep"])).exists()
    for opportunity in (on_led, on_other):
        in_sql = Opportunity.objects.filter(access.leads_solution_q(people["lead"]), pk=opportunity.pk).exists()
        assert in_sql == access.leads_solution(people["lead"], opportunity.solution)


def test_leads_centre_work_is_class_a_b_work_of_the_led_solution(people):
    led, other = SolutionFactory(), SolutionFactory()
    DeliveryCentre.objects.create(solution=led, name="Centre", lead=people["lead"])
    opportunities = {
        (solution.pk, project_class): OpportunityFactory(
            solution=solution, project_class=project_class, owner=people["rep"]
        )
        for solution in (led, other)
        for project_class in ProjectClass.values
    }
    for (solution_id, project_class), opportunity in opportunities.items():
        expected = solution_id == led.pk and project_class in ("A", "B")
        assert access.leads_centre_work(people["lead"], opportunity) is expected, (solution_id, project_class)
    assert not access.leads_centre_work(people["rep"], opportunities[led.pk, "A"])


def test_leads_centre_work_q_is_the_sql_form_of_leads_centre_work(people):
    led = SolutionFactory()
    DeliveryCentre.objects.create(solution=led, name="Centre", lead=people["lead"])
    for project_class in ProjectClass.values:
        OpportunityFactory(solution=led, project_class=project_class, owner=people["rep"])
        OpportunityFactory(project_class=project_class, owner=people["rep"])
    lead = people["lead"]
    in_sql = set(Opportunity.objects.filter(access.leads_centre_work_q(lead)))
    assert in_sql == {o for o in Opportunity.objects.all() if access.leads_centre_work(lead, o)}
    assert len(in_sql) == 2


def test_is_engineer_user_and_is_booked_engineer(people):
    # Bookings and engineers belong to dispatch: the predicates only compare their attributes.
    own = SimpleNamespace(user_id=people["engineer"].pk)
    someone_else = SimpleNamespace(user_id=people["rep"].pk)
    assert access.is_engineer_user(people["engineer"], own)
    assert not access.is_engineer_user(people["engineer"], someone_else)
    assert access.is_booked_engineer(people["engineer"], SimpleNamespace(engineer=own))
    assert not access.is_booked_engineer(people["engineer"], SimpleNamespace(engineer=someone_else))


# --- The guard: no role rule outside presales/access.py -----------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("presales", "budgeting", "dispatch", "grabbing", "monitoring", "templates")
ROLE_CHECKS = {
    "has_role": re.compile(r"\bhas_role\b"),
    "Role member": re.compile(r"\bRole\.(?:SALES|ENGINEER|MANAGER|LEAD|ADMIN)\b"),
    "role_codes": re.compile(r"\brole_codes\b"),
    "role_assignments__role": re.compile(r"\brole_assignments__role\b"),
}
# Where a pattern names roles without deciding access, and why.
ALLOWED = {
    "presales/access.py": set(ROLE_CHECKS),  # the one place
    "presales/models.py": set(ROLE_CHECKS),  # defines has_role and role_codes
    "presales/demo.py": {"Role member"},  # gives the demo people their roles
    "dispatch/scenario.py": {"Role member"},  # gives imported engineers their role
    "presales/services/users.py": {"role_codes"},  # user_upsert primes the role cache it just wrote
    "presales/admin.py": {"role_codes", "role_assignments__role"},  # shows and filters by role
    "presales/api/serializers/accounts.py": {"role_codes"},  # shows the roles
}


def role_checks_in(relative: str, text: str) -> list[str]:
    """``path:line: kind`` for every role check in one product file that is not allowed there."""
    allowed = ALLOWED.get(relative, set())
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in ROLE_CHECKS.items():
            if kind not in allowed and pattern.search(line):
                found.append(f"{relative}:{number}: {kind}: {line.strip()}")
    return found


def product_files() -> list[Path]:
    files = []
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*")):
            parts = path.relative_to(ROOT).parts
            if path.suffix not in (".py", ".html") or "tests" in parts or "migrations" in parts:
                continue
            files.append(path)
    return files


def test_role_checks_live_only_in_the_access_module():
    files = product_files()
    assert any(path.name == "views.py" for path in files) and any(path.suffix == ".html" for path in files)
    found = [
        hit
        for path in files
        for hit in role_checks_in(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
    ]
    assert found == [], "Role checks outside presales/access.py; call its predicates:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "    if request.user.has_role(Role.ADMIN):",
        "@role_required(Role.SALES, Role.MANAGER)",
        "    return Role.LEAD in user.role_codes",
        "User.objects.filter(role_assignments__role='manager')",
        "{% if user.has_role %}",
    ],
)
def test_the_guard_catches_a_reintroduced_check(line):
    assert role_checks_in("dispatch/views/bookings.py", f"x = 1\n{line}\n") != []
    assert role_checks_in("templates/base.html", f"{line}\n") != []


def test_the_guard_allows_only_what_each_file_needs():
    assert role_checks_in("presales/demo.py", "roles=[Role.SALES]") == []
    assert role_checks_in("presales/demo.py", "if user.has_role(Role.SALES):") != []
    assert role_checks_in("presales/services/users.py", "user._role_codes = frozenset(roles)") == []
    assert role_checks_in("presales/services/users.py", "if owner.has_role(Role.SALES):") != []
