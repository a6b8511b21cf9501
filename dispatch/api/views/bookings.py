"""The booking life cycle API.

Reads go through the selectors (scoped to the caller); every write is one service call from
dispatch.services.bookings, whose errors the API's exception handler turns into the contract's codes.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.serializers.bookings import (
    BookingCreateSerializer,
    BookingSerializer,
    CancelSerializer,
    CompleteSerializer,
    CorrectRatingSerializer,
    RateBookingSerializer,
    ReassignSerializer,
    RescheduleSerializer,
)
from dispatch.filters import BookingFilter
from dispatch.models import Booking
from dispatch.selectors.bookings import booking_list, lead_bookings, with_own_work_order_delay
from dispatch.services import bookings as booking_services
from presales import access
from presales.api.permissions import HasRole
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent


def _action_schema(request_serializer=None, status_code: int = 200, **kwargs):
    return extend_schema(request=request_serializer, responses={status_code: BookingSerializer}, **kwargs)


class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bookings the caller may see: reps on their opportunities, engineers their own,
    managers their regions'. Any other booking answers 404."""

    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    queryset = Booking.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        if self.action == "led":
            return lead_bookings(user=self.request.user)
        return booking_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [HasRole.of(*access.REPS_AND_ADMINS)()]
        return super().get_permissions()

    def _present(self, booking: Booking, status_code: int = status.HTTP_200_OK) -> Response:
        # Fetched again through the selector: the representation needs its delay annotation.
        fresh = booking_list(user=self.request.user).get(pk=booking.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @_action_schema(BookingCreateSerializer, status.HTTP_201_CREATED, parameters=[IDEMPOTENCY_KEY])
    def create(self, request: Request) -> Response:
        """Book an engineer for a slot on the rep's own opportunity; the cost is reserved.

        With ``work_order`` the booking fills that work order: once as many different engineers
        hold it as it needs, another engineer is a 409 ``work_order_staffed`` (a cancelled one:
        ``invalid_state``). Without, a work order is opened for the booking. An engineer,
        opportunity or work order the caller may not use is a 400 on that field, with the same
        message as an id that does not exist.
        """
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = BookingCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        booking = booking_services.booking_create(by=request.user, **data.validated_data)
        if "work_order" in data.validated_data:  # its delay counts the work order's other bookings
            return self._present(booking, status.HTTP_201_CREATED)
        booking = with_own_work_order_delay(booking)
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)

    @_action_schema()
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk=None) -> Response:
        """The booked engineer confirms: booked → acknowledged."""
        booking = booking_services.booking_acknowledge(booking=self.get_object(), by=request.user)
        return self._present(booking)

    @_action_schema(CancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        """The rep calls it off before it starts; the reservation is released."""
        booking = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_services.booking_cancel(booking=booking, by=request.user, **data.validated_data)
        return self._present(booking)

    @_action_schema(CompleteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        """The engineer or the rep records the hours worked: they are charged, the rest released."""
        booking = self.get_object()
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_services.booking_complete(booking=booking, by=request.user, **data.validated_data)
        return self._present(booking)

    @_action_schema(RateBookingSerializer, status.HTTP_201_CREATED, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    def rating(self, request: Request, pk=None) -> Response:
        """The rep rates a completed booking once, 1–5; answers the booking with its rating."""
        booking = self.get_object()
        return idempotent(request, lambda: self._rate(request, booking))

    def _rate(self, request: Request, booking: Booking) -> Response:
        data = RateBookingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking_services.booking_rate(booking=booking, by=request.user, **data.validated_data)
        return self._present(booking, status.HTTP_201_CREATED)

    @_action_schema(CorrectRatingSerializer)
    @rating.mapping.patch
    def correct_rating(self, request: Request, pk=None) -> Response:
        """The rep who rated the booking corrects the rating within 7 days of giving it.

        The first rating is still a POST, once; later POSTs stay 409. A correction outside the
        7 days is a 409 ``invalid_state``; every correction is kept in the rating's history.
        """
        booking = self.get_object()
        data = CorrectRatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking_services.booking_rating_correct(booking=booking, by=request.user, **data.validated_data)
        return self._present(booking)

    @_action_schema(RescheduleSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk=None) -> Response:
        """The rep moves a booking that has not started, under the same rules as a new one."""
        booking = self.get_object()
        data = RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_services.booking_reschedule(booking=booking, by=request.user, **data.validated_data)
        return self._present(booking)

    @extend_schema(responses={200: BookingSerializer(many=True)})
    @action(detail=False, methods=["get"], filter_backends=[])
    def led(self, request: Request) -> Response:
        """Tiered support: the open bookings of class A/B opportunities of the solutions whose
        delivery centre the caller leads (empty for anyone else)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @_action_schema(ReassignSerializer, status.HTTP_201_CREATED, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk=None) -> Response:
        """The delivery-centre lead moves an A/B booking that has not started to another
        engineer: this booking is cancelled and released, the new one (answered) reserved, in
        one transaction. 409 ``not_eligible``/``slot_unavailable``/``budget_exceeded`` change nothing."""
        booking = self.get_object()
        return idempotent(request, lambda: self._reassign(request, booking))

    def _reassign(self, request: Request, booking: Booking) -> Response:
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = booking_services.booking_reassign(booking=booking, by=request.user, **data.validated_data)
        return self._present(new, status.HTTP_201_CREATED)
