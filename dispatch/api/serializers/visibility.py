"""Serializers of an opportunity's full-process visibility (全程可视)."""

from rest_framework import serializers

HOURS = {"max_digits": 10, "decimal_places": 2}


class EngineerHoursSerializer(serializers.Serializer):
    engineer = serializers.IntegerField(source="engineer.pk")
    name = serializers.CharField(source="engineer.name")
    hours_by_stage = serializers.DictField(child=serializers.DecimalField(**HOURS))
    total_hours = serializers.DecimalField(**HOURS)
    rating_avg = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()


class DelayCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    on_time = serializers.IntegerField()
    slight = serializers.IntegerField()
    severe = serializers.IntegerField()


class DispatchSerializer(serializers.Serializer):
    work_order = serializers.IntegerField(source="work_order.pk")
    key = serializers.CharField(source="work_order.key", allow_null=True)
    stage = serializers.CharField(source="work_order.stage")
    activity = serializers.CharField(source="work_order.activity")
    desired_start = serializers.DateTimeField(source="work_order.desired_start")
    first_start = serializers.DateTimeField(allow_null=True)
    delay = serializers.CharField()
    lateness_hours = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    status = serializers.CharField()


class VisibilitySerializer(serializers.Serializer):
    opportunity = serializers.IntegerField(source="opportunity.pk")
    engineers = EngineerHoursSerializer(many=True)
    dispatches = DelayCountsSerializer(source="delay_counts")
    dispatch_list = DispatchSerializer(many=True, source="dispatches")
    spent = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, help_text="null for engineers")
    reserved = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="null for engineers"
    )
