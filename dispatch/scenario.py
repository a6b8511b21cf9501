"""Scenario section of dispatch: engineers, each an account plus profile and calendar."""

import datetime as dt

from dispatch.services import engineer_upsert
from presales.choices import Role
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
