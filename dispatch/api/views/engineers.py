"""The engineer search and schedules API.

Reads go through the selectors (scoped to the caller).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.serializers.engineers import EngineerSerializer, ScheduleQuerySerializer, ScheduleSerializer
from dispatch.availability import Schedule, schedules
from dispatch.filters import EngineerFilter
from dispatch.models import Booking, Engineer
from dispatch.selectors.engineers import attach_display_lists, engineers_for_display
from presales.api.pagination import RankedPagination
from presales.models import User


class EngineerViewSet(viewsets.ReadOnlyModelViewSet):
    """Active engineers, filtered and ranked by the documented match score (any signed-in user)."""

    serializer_class = EngineerSerializer
    filterset_class = EngineerFilter
    pagination_class = RankedPagination  # rank every match once, then load one page for display
    # EngineerFilter replaces this with engineer_search(); it stays for the schema.
    queryset = Engineer.objects.filter(is_active=True)

    def load_page(self, ids: list[int]) -> dict[int, Engineer]:
        return engineers_for_display(ids)

    def get_object(self) -> Engineer:
        engineer = super().get_object()
        attach_display_lists({engineer.pk: engineer})
        return engineer

    @extend_schema(
        parameters=[ScheduleQuerySerializer],
        responses={200: ScheduleSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def schedule(self, request: Request, pk=None) -> Response:
        """Busy and free time over [from, to); free lies inside working hours only."""
        engineer = get_object_or_404(
            Engineer.objects.filter(is_active=True).select_related("user").prefetch_related("working_hours"), pk=pk
        )
        query = ScheduleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        schedule = schedules([engineer], start, end)[engineer.pk]
        return Response(ScheduleSerializer(_schedule_body(schedule, user=request.user)).data)


def _schedule_body(schedule: Schedule, *, user: User) -> dict:
    # Anyone may see when an engineer is busy, but only those who may see a booking learn
    # which one it is.
    booking_ids = [busy.booking.pk for busy in schedule.busy if busy.booking is not None]
    visible = set(Booking.objects.restrict(user).filter(pk__in=booking_ids).values_list("pk", flat=True))
    engineer = schedule.engineer
    return {
        "engineer": engineer.pk,
        "name": engineer.name,
        "time_zone": engineer.time_zone,
        "start": schedule.start,
        "end": schedule.end,
        "busy": [
            {
                "start": busy.start,
                "end": busy.end,
                "kind": busy.kind,
                "booking": busy.booking.pk if busy.booking is not None and busy.booking.pk in visible else None,
            }
            for busy in schedule.busy
        ],
        "free": [{"start": start, "end": end} for start, end in schedule.free],
    }
