"""``manage.py seed_demo_grab_orders``: the demo's grab orders (run after seed_demo), once."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from grabbing.demo import demo_grab_orders_post
from grabbing.models import GrabOrder
from presales.management.commands.seed_demo import DEMO_NAME
from presales.models import ScenarioImport


class Command(BaseCommand):
    help = "Post the demo's grab orders: one open with its invitations, one grabbed awaiting the rep. Once."

    def handle(self, *args, **options):
        if not ScenarioImport.objects.filter(name=DEMO_NAME).exists():
            self.stdout.write("No demo organisation here (run seed_demo first); no grab orders posted.")
            return
        if GrabOrder.objects.exists():
            self.stdout.write("Grab orders exist already; nothing changed.")
            return
        posted = demo_grab_orders_post(today=timezone.localdate())
        if posted is None:
            self.stdout.write(self.style.WARNING("No demo opportunity had engineers free next week; none posted."))
            return
        self.stdout.write(
            f"Grab orders: {posted.open.opportunity.key} is open to {posted.open.invited} invited engineers; "
            f"{posted.grabbed.opportunity.key} was grabbed by {posted.grabbed.winner.user.username}, "
            f"awaiting {posted.grabbed.opportunity.owner.username}'s confirmation."
        )
