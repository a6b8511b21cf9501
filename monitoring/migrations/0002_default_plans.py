"""The three contingency plans (预案) of the domain, as defaults that admins may edit."""

from django.db import migrations

PLANS = [
    (
        "delay_surge",
        "plan1",
        "预案一：发布抢单 Plan 1: open a grab order",
        "发布抢单，提高激励并扩大范围（更多区域、职级）Post a grab order with an incentive uplift and a wider scope\n"
        "通知区域内空闲工程师 Tell the region's free engineers\n"
        "跟踪延时工单直至派出 Follow the late work orders until each is filled",
    ),
    (
        "volume_surge",
        "plan2",
        "预案二：跨区域借调 Plan 2: borrow engineers",
        "从其他区域或交付中心借调工程师 Borrow engineers from other regions or the delivery centre\n"
        "优先保障A/B类商机 Serve class A/B opportunities first\n"
        "复盘需求来源 Review where the demand comes from",
    ),
    (
        "bad_review_surge",
        "plan3",
        "预案三：质量复盘 Plan 3: quality review",
        "售前经理组织质量复盘 The presales manager runs a quality review\n"
        "回访差评客户与销售 Call back the customers and reps who gave bad reviews\n"
        "针对性辅导或调整派单 Coach, or change who is dispatched",
    ),
]


def create(apps, schema_editor):
    ContingencyPlan = apps.get_model("monitoring", "ContingencyPlan")
    for kind, code, title, steps in PLANS:
        ContingencyPlan.objects.get_or_create(kind=kind, defaults={"code": code, "title": title, "steps": steps})


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_cells_alerts_plans")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
