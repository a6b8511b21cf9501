"""``manage.py load_scenario FILE [--password P]``: import an organisation and its history."""

import getpass
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from presales.scenario import ScenarioError, load_scenario


def read_scenario(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8 text: {error.reason} at byte {error.start}") from error
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return ""


class Command(BaseCommand):
    help = (
        "Import an organisation and its history from a scenario file, in one transaction. "
        "A file with an error changes nothing; loading the same file twice is a no-op."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the scenario JSON file")
        parser.add_argument("--password", help="set this password on every imported account (demos and tests)")

    @no_translations  # messages of an operator's command stay in one language
    def handle(self, *args, file: Path, password: str | None, **options):
        data = read_scenario(file)
        try:
            summary = load_scenario(
                data, name=file.stem, password=password, stdout=self.stdout, progress=True, loaded_by=os_user()
            )
        except ScenarioError as error:
            raise CommandError(f"{error} — nothing was imported from {file}") from error
        if not password and not summary["already_loaded"] and summary["usernames"]:
            self.stdout.write(
                f"Passwords are not part of the file: the {len(summary['usernames'])} imported accounts cannot "
                f"sign in until one is set, e.g. `python manage.py changepassword {summary['usernames'][0]}` "
                "(or load with --password for a demo)."
            )
