"""The grab-order API: reads through the selectors, every write one service call."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.serializers.bookings import BookingSerializer
from dispatch.selectors.bookings import booking_list
from grabbing.api.serializers.grab_orders import (
    GrabOrderCreateSerializer,
    GrabOrderPreviewResultSerializer,
    GrabOrderPreviewSerializer,
    GrabOrderSerializer,
    GrabResultSerializer,
    InvitationSerializer,
    QuestionCreateSerializer,
    QuestionSerializer,
)
from grabbing.filters import GrabOrderFilter
from grabbing.models import GrabOrder, Invitation
from grabbing.selectors.grab_orders import grab_order_list, invitation_list, question_thread
from grabbing.services import grab_orders as grab_order_services
from presales import access
from presales.api.permissions import HasRole
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent


class GrabOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Grab orders the caller may see: a rep their own, a manager their regions', an engineer
    those they were invited to. Any other order answers 404."""

    serializer_class = GrabOrderSerializer
    filterset_class = GrabOrderFilter
    queryset = GrabOrder.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return grab_order_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("create", "preview"):
            return [HasRole.of(*access.REPS)()]
        return super().get_permissions()

    def _present(self, order: GrabOrder, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = grab_order_list(user=self.request.user).get(pk=order.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        request=GrabOrderCreateSerializer,
        responses={201: GrabOrderSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """Post a grab order on the rep's own opportunity; free matching engineers in scope are invited."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = GrabOrderCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        order = grab_order_services.grab_order_post(by=request.user, **data.service_arguments())
        return self._present(order, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[GrabOrderPreviewSerializer],
        responses={200: GrabOrderPreviewResultSerializer},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def preview(self, request: Request) -> Response:
        """How many engineers a grab order with these terms would invite, before posting it.

        The same terms as posting (``region`` and ``grade`` repeated for the scope); nothing is
        written. Bad terms are refused as posting would refuse them."""
        data = GrabOrderPreviewSerializer(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        invited = grab_order_services.grab_order_preview(by=request.user, **data.service_arguments())
        return Response({"invited": invited})

    @extend_schema(request=None, responses={200: GrabResultSerializer})
    @action(detail=True, methods=["post"])
    def grab(self, request: Request, pk=None) -> Response:
        """An invited engineer grabs the order: the first wins; later grabs are 409 already_grabbed."""
        order = grab_order_services.grab_order_grab(grab_order=self.get_object(), by=request.user)
        return Response(GrabResultSerializer(order).data)

    @extend_schema(request=None, responses={201: BookingSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk=None) -> Response:
        """The rep books the grabbing engineer at the uplifted cost; 409 budget_exceeded leaves it grabbed."""
        booking = grab_order_services.grab_order_confirm(grab_order=self.get_object(), by=request.user)
        # Read back through the selector: the booking fills the order's work order, whose other
        # bookings may decide its delay.
        fresh = booking_list(user=request.user).get(pk=booking.pk)
        return Response(BookingSerializer(fresh, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GrabOrderSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk=None) -> Response:
        """The rep turns the grabbing engineer down: the order reopens without them."""
        return self._present(grab_order_services.grab_order_reject(grab_order=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: GrabOrderSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        """The rep calls off an order nobody has grabbed."""
        return self._present(grab_order_services.grab_order_cancel(grab_order=self.get_object(), by=request.user))

    @extend_schema(responses={200: QuestionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def questions(self, request: Request, pk=None) -> Response:
        """The question threads the caller may read: the rep all of them, an engineer their own."""
        thread = question_thread(grab_order=self.get_object(), user=request.user)
        return Response(QuestionSerializer(thread, many=True).data)

    @extend_schema(
        request=QuestionCreateSerializer,
        responses={201: QuestionSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @questions.mapping.post
    def ask(self, request: Request, pk=None) -> Response:
        """An invited engineer asks the rep; the rep answers in that engineer's thread."""
        order = self.get_object()
        return idempotent(request, lambda: self._ask(request, order))

    def _ask(self, request: Request, order: GrabOrder) -> Response:
        data = QuestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = grab_order_services.question_ask(grab_order=order, by=request.user, **data.validated_data)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class InvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The engineer's own invitations still asking something of them: open orders, and the one
    they grabbed while it waits for the rep's confirmation."""

    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()

    def get_queryset(self):
        return invitation_list(user=self.request.user)
