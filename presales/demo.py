"""The demo organisation of ``manage.py seed_demo``, built around a given day.

Everything is generated from the lists below, so the demo grows by adding a row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from decimal import Decimal

from presales.choices import DISPATCHABLE_STAGES, Role
from presales.periods import Quarter

REGIONS = [("north", "华北 North China"), ("east", "华东 East China"), ("south", "华南 South China")]
SOLUTIONS = [  # code, name, slight-delay limit (hours)
    ("A", "智慧城市 Smart City", 48),
    ("B", "智能交通 Intelligent Transport", 48),
    ("C", "移动警务 Mobile Policing", 24),
    ("D", "应急指挥 Emergency Command", 72),
]
SKILLS = [
    ("gis", "GIS 地理信息"),
    ("video", "视频分析 Video analytics"),
    ("cloud", "云平台 Cloud platform"),
    ("bigdata", "大数据 Big data"),
    ("bid", "投标 Bid writing"),
]
RATES = [  # resource type, grade, hourly rate
    ("architect", "P5", "1250.00"),
    ("architect", "P4", "950.00"),
    ("presales", "P4", "625.00"),
    ("presales", "P3", "500.00"),
    ("test", "P3", "400.00"),
    ("delivery_pm", "P4", "700.00"),
]
ENGINEERS = [  # username, display name, region, resource type, grade, solutions, skill levels
    ("zhang", "张伟 Zhang Wei", "north", "architect", "P5", "AB", {"gis": 5, "cloud": 4, "bid": 4}),
    ("li", "李娜 Li Na", "north", "presales", "P4", "AC", {"gis": 3, "video": 4}),
    ("wang", "王强 Wang Qiang", "north", "presales", "P3", "ABC", {"gis": 4, "video": 3}),
    ("liu", "刘洋 Liu Yang", "north", "test", "P3", "C", {"video": 3, "cloud": 2}),
    ("chen", "陈静 Chen Jing", "east", "architect", "P4", "BD", {"cloud": 5, "bigdata": 4}),
    ("yang", "杨帆 Yang Fan", "east", "presales", "P4", "AD", {"gis": 4, "bigdata": 3}),
    ("zhao", "赵磊 Zhao Lei", "east", "presales", "P3", "A", {"gis": 4}),
    ("huang", "黄敏 Huang Min", "east", "delivery_pm", "P4", "ABCD", {"bid": 5}),
    ("zhou", "周杰 Zhou Jie", "south", "architect", "P5", "CD", {"video": 5, "bigdata": 4}),
    ("wu", "吴婷 Wu Ting", "south", "presales", "P4", "BC", {"video": 4, "gis": 2}),
    ("xu", "徐明 Xu Ming", "south", "presales", "P3", "D", {"bigdata": 3, "bid": 3}),
    ("sun", "孙丽 Sun Li", "south", "test", "P3", "AB", {"cloud": 3}),
]
REPS = [  # username, display name, region, rank (stored, never used for money), last quarter's attainment
    ("rep_north", "销售 钱多多 Qian (North)", "north", "senior", "1.05"),
    ("rep_north2", "销售 马上 Ma (North)", "north", "junior", "0.80"),
    ("rep_east", "销售 何晓 He (East)", "east", "vice president", "1.30"),
    ("rep_south", "销售 林峰 Lin (South)", "south", "junior", "0.65"),
]
CUSTOMERS = [  # key, name, tier, account owner (the rep; the region is theirs)
    ("bj-police", "北京市公安局 Beijing Police Bureau", "A", "rep_north"),
    ("bj-transport", "北京市交通委 Beijing Transport Commission", "B", "rep_north"),
    ("tj-port", "天津港集团 Tianjin Port Group", "C", "rep_north2"),
    ("hb-water", "河北水务 Hebei Water", "D", "rep_north2"),
    ("sh-metro", "上海地铁 Shanghai Metro", "A", "rep_east"),
    ("hz-city", "杭州城市大脑 Hangzhou City Brain", "B", "rep_east"),
    ("nj-health", "南京卫健委 Nanjing Health Commission", "C", "rep_east"),
    ("sz-police", "深圳市公安局 Shenzhen Police Bureau", "A", "rep_south"),
    ("gz-airport", "广州白云机场 Guangzhou Airport", "B", "rep_south"),
    ("xm-tourism", "厦门文旅 Xiamen Tourism", "D", "rep_south"),
]
TOPICS = ["一期建设 Phase 1", "平台升级 Platform upgrade", "试点 Pilot"]
TIER_TARGETS = {
    "A": Decimal("8000000.00"),
    "B": Decimal("5000000.00"),
    "C": Decimal("2000000.00"),
    "D": Decimal("800000.00"),
}
NEXT_QUARTER_GROWTH = Decimal("1.10")
CENT = Decimal("0.01")
WORKDAY = ([1, 2, 3, 4, 5], "09:00", "18:00")


def demo_scenario(today: dt.date, tz: str) -> dict:
    """A live-looking organisation: time off in the coming weeks, targets for this quarter and
    the next, attainment for the last one."""
    quarter = Quarter.of(dt.datetime.combine(today, dt.time(12), zoneinfo.ZoneInfo(tz)), tz)
    return {
        "format": 1,
        "timezone": tz,
        "regions": [{"code": code, "name": name} for code, name in REGIONS],
        "solutions": [{"code": c, "name": n, "slight_delay_hours": h} for c, n, h in SOLUTIONS],
        "skills": [{"code": code, "name": name} for code, name in SKILLS],
        "rates": [{"resource_type": t, "grade": g, "hourly_rate": rate} for t, g, rate in RATES],
        "users": _people(),
        "engineers": [_engineer(index, row, today, tz) for index, row in enumerate(ENGINEERS)],
        "customers": [_customer(row) for row in CUSTOMERS],
        "sales_targets": _targets(quarter),
        "attainment": [{"rep": rep[0], "period": str(quarter.previous), "attainment": rep[4]} for rep in REPS],
        "opportunities": _opportunities(),
        "work_orders": _work_orders(today, tz),
    }


def _people() -> list[dict]:
    all_regions = [code for code, _name in REGIONS]
    reps = [_user(name, display, [Role.SALES], [region], rank) for name, display, region, rank, _att in REPS]
    managers = [_user(f"mgr_{code}", f"{name} 经理 Manager", [Role.MANAGER], [code]) for code, name in REGIONS]
    return [
        *reps,
        *managers,
        _user("lead", "交付中心 Delivery-centre lead", [Role.LEAD], all_regions),
        _user("admin", "管理员 Administrator", [Role.ADMIN], all_regions),
    ]


def _user(username: str, display_name: str, roles: list[str], regions: list[str], rank: str = "") -> dict:
    user = {"username": username, "display_name": display_name, "roles": roles, "regions": regions}
    return {**user, "rank": rank} if rank else user


def _engineer(index: int, row: tuple, today: dt.date, tz: str) -> dict:
    username, display_name, region, resource_type, grade, solutions, skills = row
    weekdays, start, end = WORKDAY
    return {
        "username": username,
        "display_name": display_name,
        "region": region,
        "resource_type": resource_type,
        "grade": grade,
        "solutions": list(solutions),
        "skills": [{"code": code, "level": level} for code, level in skills.items()],
        "working_hours": {"weekdays": weekdays, "start": start, "end": end},
        "time_off": _time_off(index, today, tz),
    }


def _time_off(index: int, today: dt.date, tz: str) -> list[dict]:
    """Every third engineer takes a working day off within the next six weeks, spread out."""
    if index % 3:
        return []
    day = _next_workday(today + dt.timedelta(days=3 + 3 * index))
    zone = zoneinfo.ZoneInfo(tz)
    start, end = (dt.datetime.combine(day, dt.time.fromisoformat(t), zone) for t in WORKDAY[1:])
    return [{"start": start.isoformat(), "end": end.isoformat()}]


def _next_workday(day: dt.date) -> dt.date:
    while day.isoweekday() not in WORKDAY[0]:
        day += dt.timedelta(days=1)
    return day


def _customer(row: tuple) -> dict:
    key, name, tier, owner = row
    return {"key": key, "name": name, "tier": tier, "region": _rep_region(owner)}


def _rep_region(username: str) -> str:
    return next(region for name, _display, region, _rank, _att in REPS if name == username)


def _targets(quarter: Quarter) -> list[dict]:
    """Targets for the tiers each rep actually serves: last quarter, this one and (grown) the next."""
    tiers_by_rep = {rep: sorted({tier for _k, _n, tier, owner in CUSTOMERS if owner == rep}) for rep, *_ in REPS}
    # Last quarter too: the demo's finished work of three weeks ago may fall in it.
    periods = [(quarter.previous, Decimal(1)), (quarter, Decimal(1)), (quarter.next, NEXT_QUARTER_GROWTH)]
    return [
        {"rep": rep, "period": str(period), "tier": tier, "target": str((TIER_TARGETS[tier] * growth).quantize(CENT))}
        for rep, tiers in tiers_by_rep.items()
        for period, growth in periods
        for tier in tiers
    ]


def _opportunities() -> list[dict]:
    """One opportunity per customer, cycling through solutions, topics and dispatchable stages."""
    solutions = itertools.cycle(code for code, _name, _hours in SOLUTIONS)
    stages = itertools.cycle(DISPATCHABLE_STAGES)
    topics = itertools.cycle(TOPICS)
    return [
        {
            "key": f"{key}-{index + 1}",
            "name": f"{name.split(' ')[0]} {next(topics)}",
            "customer": key,
            "region": _rep_region(owner),
            "solution": next(solutions),
            "project_class": tier,  # classes A–D match tiers A–D closely enough for a demo
            "stage": str(next(stages)),
            "owner": owner,
        }
        for index, (key, name, tier, owner) in enumerate(CUSTOMERS)
    ]


ACTIVITY_BY_STAGE = {"value_presentation": "workshop", "bid_preparation": "bid_writing", "bidding": "bidding"}


def _work_orders(today: dt.date, tz: str) -> list[dict]:
    """Per opportunity: finished, rated work three weeks ago (one of them late) and a booking in
    the coming days, each with an engineer of the opportunity's solution, never on time off."""
    zone = zoneinfo.ZoneInfo(tz)
    busy: set[tuple[str, dt.date]] = set()
    for index, row in enumerate(ENGINEERS):
        for leave in _time_off(index, today, tz):
            busy.add((row[0], dt.datetime.fromisoformat(leave["start"]).date()))
    orders = []
    for index, opportunity in enumerate(_opportunities()):
        engineer = _engineer_for(opportunity, index)
        stage = opportunity["stage"]
        activity = ACTIVITY_BY_STAGE[stage]
        past = _free_workday(engineer, today - dt.timedelta(days=21 - index % 5), busy)
        late = index % 4 == 3  # a few arrive days after the rep wanted someone
        desired = past - dt.timedelta(days=4 if late else 0)
        start, end = (dt.datetime.combine(past, dt.time(h), zone) for h in (9, 17))
        done = {
            "engineer": engineer,
            "stage": stage,
            "activity": activity,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "status": "completed",
            "acknowledged_at": (start - dt.timedelta(days=2)).isoformat(),
            "actual_hours": "8.00",
            "rating": {"score": 5 - index % 3, "rated_at": (end + dt.timedelta(hours=2)).isoformat()},
        }
        orders.append(_order(f"{opportunity['key']}-w1", opportunity, stage, activity, desired, zone, [done]))
        soon = _free_workday(engineer, today + dt.timedelta(days=2 + index % 6), busy)
        start, end = (dt.datetime.combine(soon, dt.time(h), zone) for h in (14, 17))
        booked = {
            "engineer": engineer,
            "stage": stage,
            "activity": activity,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "status": "acknowledged" if index % 2 else "booked",
            "acknowledged_at": (start - dt.timedelta(days=1)).isoformat(),
        }
        orders.append(_order(f"{opportunity['key']}-w2", opportunity, stage, activity, soon, zone, [booked]))
    return orders


def _engineer_for(opportunity: dict, index: int) -> str:
    local = [e[0] for e in ENGINEERS if opportunity["solution"] in e[5] and e[2] == opportunity["region"]]
    anyone = [e[0] for e in ENGINEERS if opportunity["solution"] in e[5]]
    pool = local or anyone
    return pool[index % len(pool)]


def _free_workday(engineer: str, day: dt.date, busy: set[tuple[str, dt.date]]) -> dt.date:
    day = _next_workday(day)
    while (engineer, day) in busy:
        day = _next_workday(day + dt.timedelta(days=1))
    busy.add((engineer, day))
    return day


def _order(key, opportunity, stage, activity, desired: dt.date, zone, bookings) -> dict:
    desired_start = dt.datetime.combine(desired, dt.time(9), zone)
    return {
        "key": key,
        "opportunity": opportunity["key"],
        "created_at": (desired_start - dt.timedelta(days=5)).isoformat(),
        "desired_start": desired_start.isoformat(),
        "stage": stage,
        "activity": activity,
        "bookings": bookings,
    }


def demo_logins(data: dict) -> list[tuple[str, str]]:
    """(username, role) of every demo account, administrators first, engineers last."""
    order = [Role.ADMIN, Role.MANAGER, Role.LEAD, Role.SALES, Role.ENGINEER]
    people = [(user["username"], role) for user in data["users"] for role in user["roles"]]
    people += [(engineer["username"], Role.ENGINEER) for engineer in data["engineers"]]
    return sorted(people, key=lambda person: order.index(person[1]))
