"""The work-order API (资源调度工单): a rep opens one, follows it, finds its candidates, cancels it.

Reads go through dispatch.selectors.work_orders (scoped to the caller; a work order they may not
see answers 404), status, delay and lateness judged now in SQL; every write is one service call
(dispatch.services.work_orders.work_order_create, dispatch.services.bookings.work_order_cancel). Bookings fill a
work order through ``POST /bookings/`` with ``work_order``.
"""

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.filters import WorkOrderFilter
from dispatch.api.serializers import CancelSerializer, EngineerSerializer
from dispatch.delay import Delay, lateness_hours
from dispatch.models import MAX_ENGINEERS_NEEDED, Engineer, WorkOrder
from dispatch.selectors.engineers import engineers_for_display
from dispatch.selectors.work_orders import work_order_candidates, work_order_list
from dispatch.services import bookings as booking_services
from dispatch.services import work_orders as work_order_services
from dispatch.work_order_status import WorkOrderStatus
from presales import access
from presales.api.fields import AwareDateTimeField, CodeRelatedField, StrictPrimaryKeyRelatedField
from presales.api.limits import CodeListField
from presales.api.pagination import RankedPagination
from presales.api.permissions import HasRole
from presales.choices import Activity, PresalesStage
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent
from presales.models import Opportunity, Skill, Solution
from presales.selectors.opportunities import opportunity_list

SKILL_CODE_LENGTH = Skill._meta.get_field("code").max_length

# --- Output ---------------------------------------------------------------------------------


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


# --- Input ----------------------------------------------------------------------------------


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
    opportunity = StrictPrimaryKeyRelatedField(queryset=Opportunity.objects.none())
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["opportunity"].queryset = opportunity_list(user=request.user)


# --- Views ----------------------------------------------------------------------------------


class WorkOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work orders the caller may see: a rep their opportunities', a manager their regions', a
    lead the A/B work of their delivery centre's solution, an engineer those they hold a booking
    on, an admin all (WorkOrder.objects.restrict). Any other answers 404."""

    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilter
    queryset = WorkOrder.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        if self.action == "candidates":  # the requirements only: no status, delay or bookings
            return WorkOrder.objects.restrict(self.request.user).select_related("opportunity__region", "solution")
        return work_order_list(user=self.request.user)

    def get_permissions(self):
        # Only reps open work orders (on their own opportunities), as only reps book.
        if self.action == "create":
            return [HasRole.of(*access.REPS_AND_ADMINS)()]
        return super().get_permissions()

    def _present(self, work_order: WorkOrder, status_code: int = status.HTTP_200_OK) -> Response:
        # Fetched again through the selector: status, delay and lateness are its annotations.
        fresh = work_order_list(user=self.request.user).get(pk=work_order.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        request=WorkOrderCreateSerializer,
        responses={201: WorkOrderSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """Open a work order on the rep's own opportunity past qualification, before anyone is
        booked; no money moves. Another rep's opportunity is a 400 on ``opportunity``, like an id
        that does not exist."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = WorkOrderCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        work_order = work_order_services.work_order_create(by=request.user, **data.validated_data)
        return self._present(work_order, status.HTTP_201_CREATED)

    @extend_schema(request=CancelSerializer, responses={200: WorkOrderSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request: Request, pk=None) -> Response:
        """The rep calls it off: its bookings not yet started are cancelled and their reservations
        released, and its grab orders still open or grabbed are called off, in one transaction.
        409 ``invalid_state`` when it is already cancelled or done."""
        work_order = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking_services.work_order_cancel(work_order=work_order, by=request.user, **data.validated_data)
        return self._present(work_order)

    def load_page(self, ids: list[int]) -> dict[int, Engineer]:
        return engineers_for_display(ids)

    @extend_schema(responses={200: EngineerSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=RankedPagination)
    def candidates(self, request: Request, pk=None) -> Response:
        """Engineers meeting its requirements (solution, each skill at its level, resource type,
        grade, tiered-support eligibility) and free for its desired window, ranked by match score
        as the engineer search, scored for its opportunity's region; paginated like every list
        (``page_size`` at most 200). Whatever its status: booking one still answers 409
        ``work_order_staffed`` or ``invalid_state`` when it can take nobody more."""
        engineers = work_order_candidates(work_order=self.get_object())
        page = self.paginate_queryset(engineers)
        return self.get_paginated_response(EngineerSerializer(page, many=True).data)
