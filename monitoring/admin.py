from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from monitoring.models import Alert, ContingencyPlan, MonitoringPolicy
from presales.admin import ServiceWrittenMixin


@admin.register(MonitoringPolicy)
class MonitoringPolicyAdmin(SimpleHistoryAdmin):
    """The one row of thresholds (MonitoringPolicy.current): edited here, never added or deleted."""

    list_display = [
        "__str__",
        "window_days",
        "baseline_windows",
        "response_limit_hours",
        "surge_factor",
        "surge_min_increase",
        "severe_ratio",
        "slight_ratio",
    ]

    def has_add_permission(self, request):
        return not MonitoringPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(SimpleHistoryAdmin):
    """预案: the three plans are seeded (one per alert kind); admins edit their wording and steps."""

    list_display = ["code", "kind", "title"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    # Opened and cleared by the recompute, acknowledged and resolved by managers on the dashboard.
    list_display = ["id", "region", "solution", "kind", "status", "current", "baseline", "opened_at", "resolved_at"]
    list_filter = ["status", "kind", "region", "solution"]
    list_select_related = ["region", "solution"]
