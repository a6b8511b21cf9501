"""``GET /opportunities/{id}/visibility/``: full-process visibility (全程可视) of one opportunity."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.selectors.visibility import opportunity_visibility
from presales.selectors.opportunities import opportunity_list

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


class OpportunityVisibilityView(APIView):
    """Hours per engineer and stage, every dispatch with its delay, ratings and money.

    The owner, their region's managers and admins see everything; an engineer who worked on
    the opportunity sees only their own part and no money; anyone else gets 404.
    """

    @extend_schema(responses={200: VisibilitySerializer})
    def get(self, request: Request, pk: int) -> Response:
        opportunity = get_object_or_404(opportunity_list(user=request.user).select_related("solution"), pk=pk)
        return Response(VisibilitySerializer(opportunity_visibility(opportunity=opportunity, viewer=request.user)).data)
