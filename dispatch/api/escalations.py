"""The escalation API (tiered support): a rep requests, the regional manager approves or declines.

Reads go through Escalation.objects.restrict (an escalation the caller may not see answers 404);
every write is one service call from dispatch.tiered.escalations.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.models import Escalation
from dispatch.tiered import escalations as escalation_services
from presales import access
from presales.api.fields import StrictPrimaryKeyRelatedField
from presales.api.permissions import HasRole
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent
from presales.models import Opportunity
from presales.selectors.opportunities import opportunity_list


class EscalationSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.name", read_only=True)
    decided_by = serializers.CharField(source="decided_by.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "opportunity",
            "reason",
            "status",
            "requested_at",
            "requested_by",
            "decided_at",
            "decided_by",
            "decision_note",
            "valid_until",
        ]
        read_only_fields = fields


class EscalationCreateSerializer(serializers.Serializer):
    # Scoped to what the caller may see: another rep's opportunity answers like a missing id.
    opportunity = StrictPrimaryKeyRelatedField(queryset=Opportunity.objects.none())
    reason = serializers.CharField(max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["opportunity"].queryset = opportunity_list(user=request.user)


class ApproveSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        default=escalation_services.DEFAULT_PERIOD_DAYS,
        # The service's range, here too so that the schema states it.
        min_value=1,
        max_value=escalation_services.MAX_PERIOD_DAYS,
        help_text="How long the delivery centre stays eligible, 1–180 days (default 30).",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class DeclineSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


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
