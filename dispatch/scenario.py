"""Scenario section of dispatch: engineers, each an account plus profile and calendar."""

import datetime as dt

from dispatch.models import MAX_ENGINEERS_NEEDED, BookingStatus, WorkOrder
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create, booking_rate
from dispatch.services.engineers import engineer_upsert
from dispatch.services.work_orders import work_order_create
from presales.choices import Activity, PresalesStage, Role
from presales.models import Skill
from presales.scenario import Node, ScenarioContext, register, user_from_record


def load_engineers(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        region = record["region"].ref("region")
        user = user_from_record(ctx, record, roles=[Role.ENGINEER], regions=[region])
        profile = {
            "region": region,
            "resource_type": record["resource_type"].text(),
            "grade": record["grade"].text(),
            "home_office": record["home_office"].text(default=""),
            "time_zone": ctx.timezone,  # the organisation's calendar; the format has no per-engineer zone
            "solutions": [node.ref("solution") for node in record["solutions"].items(default=[])],
            "skills": _skills(record["skills"]),
            "working_hours": _working_hours(record["working_hours"]),
            "time_off": _time_off(record["time_off"]),
        }
        with record.guard():
            ctx.remember("engineer", user.username, engineer_upsert(user=user, **profile))


def _skills(node: Node) -> dict[Skill, int]:
    return {item["code"].ref("skill"): item["level"].integer(minimum=1, maximum=5) for item in node.items(default=[])}


def _working_hours(node: Node) -> list[tuple[int, dt.time, dt.time]]:
    """``{"weekdays": [1, …], "start": "09:00", "end": "18:00"}``, or a list of such blocks."""
    blocks = node.items() if isinstance(node.value, list) else [node]
    return [
        (day.integer(minimum=1, maximum=7), block["start"].local_time(), block["end"].local_time())
        for block in blocks
        for day in block["weekdays"].items()
    ]


def _time_off(node: Node) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(leave["start"].moment(), leave["end"].moment()) for leave in node.items(default=[])]


register("engineers", load_engineers, order=55)


IMPORTABLE_STATUSES = (BookingStatus.BOOKED, BookingStatus.ACKNOWLEDGED, BookingStatus.COMPLETED)


def load_work_orders(ctx: ScenarioContext, section: Node) -> None:
    """Past work orders and their bookings, replayed through the live services.

    Each booking is booked, acknowledged, completed and rated at the times the file gives, so
    overlaps, working hours, time off and the budget are judged exactly as live; only "in the
    past" is allowed, since this is history.
    """
    for record in section.records():
        key = record["key"].text()
        record.ensure_new("work order", key, WorkOrder.objects.filter(key=key))
        opportunity = record["opportunity"].ref("opportunity")
        bookings = record["bookings"].items(default=[])
        desired_start = record["desired_start"].moment()
        with record.guard():
            work_order = work_order_create(
                by=opportunity.owner,
                key=key,
                opportunity=opportunity,
                stage=record["stage"].choice(PresalesStage, "stage"),
                activity=record["activity"].choice(Activity, "activity"),
                solution=record["solution"].ref("solution") if not record["solution"].missing else None,
                skills=_required_skills(record["skills"]),
                engineers_needed=record["engineers_needed"].integer(
                    minimum=1, maximum=MAX_ENGINEERS_NEEDED, default=_engineers_in(bookings)
                ),
                desired_start=desired_start,
                desired_end=record["desired_end"].moment(default=None) or _desired_end(desired_start, bookings),
                note=record["note"].text(default=""),
                now=record["created_at"].moment(),
                allow_past=True,
            )
        for booking in bookings:
            _replay_booking(booking, work_order)
        ctx.remember("work order", key, work_order)


def _required_skills(node: Node) -> list[tuple[Skill, int]]:
    return [
        (item["code"].ref("skill"), item["min_level"].integer(minimum=1, maximum=5, default=1))
        for item in node.items(default=[])
    ]


def _engineers_in(bookings: list[Node]) -> int:
    """Without ``engineers_needed``: as many as its bookings name, so history is staffed as it was."""
    return max(1, len({booking["engineer"].text() for booking in bookings}))


def _desired_end(desired_start: dt.datetime, bookings: list[Node]) -> dt.datetime:
    """Without ``desired_end``: where its last booking ends, at least an hour after the desired start."""
    ends = [booking["end"].moment() for booking in bookings]
    return max([desired_start + dt.timedelta(hours=1), *ends])


def _replay_booking(record: Node, work_order: WorkOrder) -> None:
    opportunity = work_order.opportunity
    engineer = record["engineer"].ref("engineer")
    status = record["status"].choice(BookingStatus, "booking status")
    if status not in IMPORTABLE_STATUSES:
        raise record["status"].error("a booking is imported as booked, acknowledged or completed")
    start, end = record["start"].moment(), record["end"].moment()
    with record.guard(blame="start"):
        booking = booking_create(
            by=opportunity.owner,
            engineer=engineer,
            opportunity=opportunity,
            stage=record["stage"].choice(PresalesStage, "stage"),
            activity=record["activity"].choice(Activity, "activity"),
            start=start,
            end=end,
            work_order=work_order,
            now=work_order.created_at,
            allow_past=True,
            notify=False,
        )
    if status == BookingStatus.BOOKED:
        return
    acknowledged_at = record["acknowledged_at"].moment(default=None) or work_order.created_at
    with record.guard(blame="acknowledged_at"):
        booking_acknowledge(booking=booking, by=engineer.user, now=acknowledged_at)
    if status == BookingStatus.ACKNOWLEDGED:
        return
    with record.guard(blame="actual_hours"):
        booking_complete(booking=booking, by=engineer.user, actual_hours=record["actual_hours"].decimal(), now=end)
    rating = record["rating"]
    if not rating.missing:
        with rating.guard(blame="score"):
            booking_rate(
                booking=booking,
                by=opportunity.owner,
                score=rating["score"].integer(minimum=1, maximum=5),
                comment=rating["comment"].text(default=""),
                now=rating["rated_at"].moment(default=None) or end,
            )


register("work_orders", load_work_orders, order=90)
