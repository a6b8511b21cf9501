"""``manage.py drain_outbox``: publish the task calls the broker refused while it was down."""

import datetime as dt

from django.core.management.base import BaseCommand

from presales.core.outbox import outbox_drain


class Command(BaseCommand):
    help = "Publish queued task calls whose first publish failed (Redis was down). Safe to run at any time."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="include calls queued in the last 30 seconds")

    def handle(self, *args, all: bool, **options):
        counts = outbox_drain(grace=dt.timedelta(0)) if all else outbox_drain()
        self.stdout.write(f"published {counts['published']}, failed {counts['failed']}, left {counts['left']}")
        if counts["failed"]:
            raise SystemExit(1)
