"""Serializers of the work-order API. Input serializers check shape only; the services hold the rules."""

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.delay import Delay, lateness_hours
from dispatch.models import MAX_ENGINEERS_NEEDED, WorkOrder
from dispatch.services import work_orders as work_order_services
from dispatch.work_order_status import WorkOrderStatus
from presales.api.fields import (
    AwareDateTimeField,
    CodeRelatedField,
    RestrictedPrimaryKeyRelatedField,
)
from presales.api.limits import CodeListField
from presales.choices import Activity, PresalesStage
from presales.models import Opportunity, Skill, Solution

SKILL_CODE_LENGTH = Skill._meta.get_field("code").max_length


class RequiredSkillSerializer(serializers.Serializer):
    code = serializers.CharField(source="skill.code", read_only=True)
    min_level = serializers.IntegerField(read_only=True)


class WorkOrderSerializer(serializers.ModelSerializer):
    """A work order as work_order_list returns it: status, delay, lateness and first start
    annotated at the moment of the request (dispatch.selectors.work_orders.with_state)."""

    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True)
    solution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    skills = RequiredSkillSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices, read_only=True)
    engineers_booked = serializers.IntegerField(
        read_only=True, help_text="Different engineers holding one of its bookings."
    )
    delay = serializers.ChoiceField(
        choices=Delay.choices,
        read_only=True,
        help_text="Live: an open work order past its desired start is already late.",
    )
    lateness_hours = serializers.SerializerMethodField(
        help_text="First booking's start (or now, while nobody holds it) minus the desired start; negative when early."
    )
    first_start = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Start of its earliest booking holding an engineer."
    )
    bookings = serializers.SerializerMethodField(
        help_text="Its bookings holding an engineer, earliest first (GET /bookings/?work_order= lists all)."
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "key",
            "opportunity",
            "opportunity_name",
            "stage",
            "activity",
            "solution",
            "skills",
            "resource_type",
            "grade",
            "engineers_needed",
            "engineers_booked",
            "desired_start",
            "desired_end",
            "hours",
            "note",
            "status",
            "delay",
            "lateness_hours",
            "first_start",
            "first_response_at",
            "bookings",
            "created_at",
            "cancelled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False))
    def get_lateness_hours(self, work_order: WorkOrder) -> Decimal:
        return lateness_hours(dt.timedelta(seconds=work_order.late_s))

    def get_bookings(self, work_order: WorkOrder) -> list[int]:
        return [booking.pk for booking in work_order.holding_bookings]


class RequiredSkillInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=SKILL_CODE_LENGTH, help_text="Skill code.")
    min_level = serializers.IntegerField(min_value=1, max_value=5, default=1, help_text="1–5, default 1.")


class RequiredSkillsField(serializers.ListField):
    """``[{"code", "min_level"}]``, at most MAX_SKILLS, as (skill, level) pairs; the skills are
    found in one query and an unknown code is an error at its index (``skills.1.code``)."""

    def __init__(self, **kwargs):
        super().__init__(child=RequiredSkillInputSerializer(), max_length=work_order_services.MAX_SKILLS, **kwargs)

    def to_internal_value(self, data):
        # The length first: DRF checks it only after every item, and each unknown code is a
        # message of its own.
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        items = super().to_internal_value(data)
        found = {skill.code: skill for skill in Skill.objects.filter(code__in={item["code"] for item in items})}
        message = CodeListField.default_error_messages["does_not_exist"]
        missing = {
            str(index): {"code": [message.format(value=item["code"])]}
            for index, item in enumerate(items)
            if item["code"] not in found
        }
        if missing:
            raise serializers.ValidationError(missing)
        return [(found[item["code"]], item["min_level"]) for item in items]


class WorkOrderCreateSerializer(serializers.Serializer):
    """Shape only: who may open a work order on which opportunity, and which windows, skills and
    counts make sense, are work_order_create's to decide."""

    # Scoped to what the caller may see: another rep's opportunity is answered like a missing id.
    opportunity = RestrictedPrimaryKeyRelatedField(queryset=Opportunity.objects.all())
    stage = serializers.ChoiceField(choices=PresalesStage.choices)
    activity = serializers.ChoiceField(choices=Activity.choices)
    solution = CodeRelatedField(
        queryset=Solution.objects.all(), required=False, help_text="Default: the opportunity's."
    )
    skills = RequiredSkillsField(required=False, help_text="Each skill once, with its own minimum level.")
    resource_type = serializers.CharField(required=False, allow_blank=True, max_length=50)
    grade = serializers.CharField(required=False, allow_blank=True, max_length=20)
    engineers_needed = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_ENGINEERS_NEEDED)
    desired_start = AwareDateTimeField(help_text="When the rep needs someone; may have passed (recorded late).")
    desired_end = AwareDateTimeField(help_text="Not over yet; at most 31 days after desired_start.")
    hours = serializers.DecimalField(
        required=False,
        allow_null=True,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=work_order_services.MAX_HOURS,
        help_text="Estimated hours.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=work_order_services.MAX_NOTE)
