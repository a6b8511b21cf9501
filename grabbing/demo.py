"""Grab orders for the demo organisation: one open with its invitations, one grabbed and
waiting for the rep, posted through the same services as real ones (each opens its work order)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from grabbing.models import GrabOrder
from grabbing.services.grab_orders import grab_order_grab, grab_order_post
from presales.choices import DISPATCHABLE_STAGES
from presales.demo import ACTIVITY_BY_STAGE
from presales.exceptions import NobodyInScope
from presales.models import Opportunity

UPLIFT_PERCENT = 50
WINDOW = (dt.time(14, 0), dt.time(17, 0))  # local, inside everyone's working hours


@dataclass(frozen=True)
class DemoGrabOrders:
    open: GrabOrder
    grabbed: GrabOrder


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    return tuple(dt.datetime.combine(day, moment, zone) for moment in WINDOW)


@transaction.atomic
def demo_grab_orders_post(*, today: dt.date) -> DemoGrabOrders | None:
    """Post grab orders on the first opportunities that have someone to invite, on the working
    days of next week; the second one is grabbed by its first invitee. None if none fits."""
    monday = today + dt.timedelta(days=7 - today.weekday())
    posted = []
    opportunities = Opportunity.objects.filter(stage__in=DISPATCHABLE_STAGES).select_related("owner").order_by("key")
    for opportunity in opportunities:
        start, end = _window(monday + dt.timedelta(days=len(posted)))
        try:
            order = grab_order_post(
                by=opportunity.owner,
                opportunity=opportunity,
                stage=opportunity.stage,
                activity=ACTIVITY_BY_STAGE[opportunity.stage],
                start=start,
                end=end,
                uplift_percent=UPLIFT_PERCENT,
                note="Demo: a widened call at +50%.",
            )
        except NobodyInScope:  # nobody free to invite for this one (nothing written): try the next
            continue
        posted.append(order)
        if len(posted) == 2:
            break
    if len(posted) < 2:
        transaction.set_rollback(True)
        return None
    first_invitee = posted[1].invitations.select_related("engineer__user").order_by("engineer__user__username")[0]
    grabbed = grab_order_grab(grab_order=posted[1], by=first_invitee.engineer.user)
    return DemoGrabOrders(open=posted[0], grabbed=grabbed)
