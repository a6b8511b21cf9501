from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring.models import Alert, CellSnapshot
from presales.api.fields import PlausibleDateField

RATIO = {"max_digits": 6, "decimal_places": 4, "allow_null": True, "read_only": True}


class CellSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    solution = serializers.CharField(source="solution.code", read_only=True)
    delayed_ratio = serializers.DecimalField(**RATIO)
    timely_response_rate = serializers.DecimalField(**RATIO)
    satisfaction_avg = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True, read_only=True)
    bad_review_ratio = serializers.DecimalField(**RATIO)
    utilisation = serializers.DecimalField(**RATIO)

    class Meta:
        model = CellSnapshot
        fields = [
            "region",
            "solution",
            "window_start",
            "window_end",
            "work_orders",
            "delayed_slight",
            "delayed_severe",
            "delayed_ratio",
            "responded_in_time",
            "timely_response_rate",
            "ratings",
            "satisfaction_avg",
            "bad_reviews",
            "bad_review_ratio",
            "effective_hours",
            "available_hours",
            "utilisation",
            "open_work_orders",
            "unfilled_work_orders",
            "status",
            "computed_at",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField(), source="step_list")


class AlertSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    solution = serializers.CharField(source="solution.code", read_only=True)
    plan = serializers.SerializerMethodField()
    cleared = serializers.BooleanField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "region",
            "solution",
            "kind",
            "current",
            "baseline",
            "status",
            "plan",
            "opened_at",
            "window_end",
            "cleared",
            "cleared_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = fields

    @extend_schema_field(PlanSerializer(allow_null=True))
    def get_plan(self, alert) -> dict | None:
        plan = getattr(alert, "plan", None)
        return PlanSerializer(plan).data if plan else None


class RecomputeRequestSerializer(serializers.Serializer):
    date = PlausibleDateField(required=False, help_text="Recompute the window ending at this date's midnight.")


class RecomputeQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
    end = serializers.DateTimeField(allow_null=True)
