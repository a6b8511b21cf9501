from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from budgeting.models import Attainment, BudgetPolicy, SalesTarget


@admin.register(BudgetPolicy)
class BudgetPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "tier_ratio_a",
        "tier_ratio_b",
        "tier_ratio_c",
        "tier_ratio_d",
        "attainment_min",
        "attainment_max",
    ]


@admin.register(SalesTarget)
class SalesTargetAdmin(SimpleHistoryAdmin):
    list_display = ["rep", "period", "tier", "target"]
    list_filter = ["period", "tier"]
    search_fields = ["rep__username", "rep__display_name"]


@admin.register(Attainment)
class AttainmentAdmin(SimpleHistoryAdmin):
    list_display = ["rep", "period", "attainment"]
    list_filter = ["period"]
    search_fields = ["rep__username", "rep__display_name"]
