"""The remote hotline API (tiered support): a rep asks, the on-duty engineer answers."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.models import HotlineRequest
from dispatch.tiered import hotline as hotline_services
from dispatch.tiered.api.serializers.hotline import AnswerSerializer, HotlineCreateSerializer, HotlineSerializer
from presales import access
from presales.api.permissions import HasRole
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent


class HotlineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Hotline requests the caller may see: reps their own, engineers those addressed to them,
    leads their centre's, managers their regions'. Any other answers 404."""

    serializer_class = HotlineSerializer
    queryset = HotlineRequest.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return HotlineRequest.objects.restrict(self.request.user).with_parties()

    def get_permissions(self):
        # Only reps ask (on their own opportunities): anyone else is refused for their role, as
        # on bookings and grab orders, instead of learning whether the opportunity is theirs.
        if self.action == "create":
            return [HasRole.of(*access.REPS)()]
        return super().get_permissions()

    @extend_schema(request=HotlineCreateSerializer, responses={201: HotlineSerializer}, parameters=[IDEMPOTENCY_KEY])
    def create(self, request: Request) -> Response:
        """A rep asks the solution's delivery centre; the on-duty engineer is assigned
        (409 ``invalid_state`` when nobody is on duty)."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = HotlineCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        hotline = hotline_services.hotline_request(by=request.user, **data.validated_data)
        return Response(HotlineSerializer(hotline).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses={200: HotlineSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk=None) -> Response:
        """The assigned engineer answers once (409 ``invalid_state`` the second time)."""
        hotline = self.get_object()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hotline = hotline_services.hotline_answer(hotline=hotline, by=request.user, **data.validated_data)
        return Response(HotlineSerializer(hotline).data)
