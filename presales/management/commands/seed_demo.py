"""``manage.py seed_demo``: a lively demo organisation around today, loaded once."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from presales.choices import Role
from presales.demo import demo_logins, demo_scenario
from presales.models import ScenarioImport
from presales.scenario import ScenarioError, load_scenario

DEMO_NAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105  # nosec B105  # the documented password of the demo accounts


class Command(BaseCommand):
    help = "Load the demo organisation (regions, people, customers, opportunities) around today's date, once."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password of every demo account")

    @no_translations
    def handle(self, *args, password: str, **options):
        data = demo_scenario(timezone.localdate(), settings.TIME_ZONE)
        # By name, not checksum: the demo is rebuilt around a new "today" on every run.
        if ScenarioImport.objects.filter(name=DEMO_NAME).exists():
            self.stdout.write("Demo data already loaded; nothing changed (passwords as first set).")
        elif other := ScenarioImport.objects.first():
            # `make run` seeds every time: a database holding a real organisation is left alone.
            self.stdout.write(self.style.WARNING(f"Scenario {other.name!r} is loaded here; the demo is not added."))
            return
        else:
            try:
                load_scenario(data, name=DEMO_NAME, password=password, stdout=self.stdout, loaded_by="seed_demo")
            except ScenarioError as error:
                raise CommandError(f"The demo does not fit this database: {error}") from error
        self._print_logins(demo_logins(data), password)

    def _print_logins(self, logins: list[tuple[str, str]], password: str) -> None:
        rows = [("username", "password", "role"), *((name, password, Role(role).label) for name, role in logins)]
        widths = [max(len(str(row[column])) for row in rows) for column in range(3)]
        self.stdout.write("\nDemo logins:")
        for row in rows:
            cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
