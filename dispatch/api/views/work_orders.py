"""The work-order API (资源调度工单): a rep opens one, follows it, finds its candidates, cancels it.

Reads go through dispatch.selectors.work_orders (scoped to the caller; a work order they may not
see answers 404), status, delay and lateness judged now in SQL; every write is one service call
(dispatch.services.work_orders.work_order_create, dispatch.services.bookings.work_order_cancel). Bookings fill a
work order through ``POST /bookings/`` with ``work_order``.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.serializers.bookings import CancelSerializer
from dispatch.api.serializers.engineers import EngineerSerializer
from dispatch.api.serializers.work_orders import WorkOrderCreateSerializer, WorkOrderSerializer
from dispatch.filters import WorkOrderFilter
from dispatch.models import Engineer, WorkOrder
from dispatch.selectors.engineers import engineers_for_display
from dispatch.selectors.work_orders import work_order_candidates, work_order_list
from dispatch.services import bookings as booking_services
from dispatch.services import work_orders as work_order_services
from presales import access
from presales.api.pagination import RankedPagination
from presales.api.permissions import HasRole
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent


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
