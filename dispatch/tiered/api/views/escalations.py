"""The escalation API (tiered support): a rep requests, the regional manager approves or declines.

Reads go through Escalation.objects.restrict (an escalation the caller may not see answers 404);
every write is one service call from dispatch.tiered.escalations.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.models import Escalation
from dispatch.tiered import escalations as escalation_services
from dispatch.tiered.api.serializers.escalations import (
    ApproveSerializer,
    DeclineSerializer,
    EscalationCreateSerializer,
    EscalationSerializer,
)
from presales import access
from presales.api.permissions import HasRole
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent


class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Escalations the caller may see: reps their opportunities', managers their regions',
    leads their delivery centre's. Any other escalation answers 404."""

    serializer_class = EscalationSerializer
    queryset = Escalation.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return Escalation.objects.restrict(self.request.user).with_parties()

    def get_permissions(self):
        # Only reps ask (on their own opportunities): anyone else is refused for their role, as
        # on bookings and grab orders, instead of learning whether the opportunity is theirs.
        if self.action == "create":
            return [HasRole.of(*access.REPS)()]
        return super().get_permissions()

    @extend_schema(
        request=EscalationCreateSerializer,
        responses={201: EscalationSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """The rep asks for delivery-centre help on their class C/D/E opportunity, with a reason."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = EscalationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        escalation = escalation_services.escalation_request(by=request.user, **data.validated_data)
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApproveSerializer, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        """The manager of the opportunity's region approves for ``days``: the delivery centre's
        engineers become eligible for the opportunity until valid_until."""
        escalation = self.get_object()
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = escalation_services.escalation_approve(
            escalation=escalation, by=request.user, **data.validated_data
        )
        return Response(EscalationSerializer(escalation).data)

    @extend_schema(request=DeclineSerializer, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk=None) -> Response:
        """The manager of the opportunity's region declines; the rep may ask again."""
        escalation = self.get_object()
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = escalation_services.escalation_decline(
            escalation=escalation, by=request.user, **data.validated_data
        )
        return Response(EscalationSerializer(escalation).data)
