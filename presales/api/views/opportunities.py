"""Opportunities, scoped to the caller."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from presales.api.serializers.opportunities import OpportunityCreateSerializer, OpportunitySerializer
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent
from presales.filters import OpportunityFilter
from presales.selectors.opportunities import opportunity_list
from presales.services.opportunities import opportunity_create


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Opportunities: reps see and create their own; managers see their regions'."""

    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter

    def get_queryset(self):
        return opportunity_list(user=self.request.user)

    @extend_schema(
        request=OpportunityCreateSerializer,
        responses={201: OpportunitySerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = OpportunityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity = opportunity_create(owner=request.user, **data.validated_data)
        return Response(self.get_serializer(opportunity).data, status=status.HTTP_201_CREATED)
