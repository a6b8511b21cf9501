from django.contrib.auth import user_logged_in
from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from presales.api import serializers
from presales.api.filters import CustomerFilter, OpportunityFilter, RateFilter
from presales.api.permissions import IsAdminOrReadOnly
from presales.api.throttling import AuthThrottle
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent
from presales.models import Rate, Region, Skill, Solution
from presales.selectors.customers import customer_list
from presales.selectors.opportunities import opportunity_list
from presales.services.opportunities import opportunity_create


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(request=serializers.TokenRequestSerializer, responses={200: serializers.TokenSerializer})
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token.key})


class MeView(generics.GenericAPIView):
    """Who the caller is: roles, regions and their engineer profile, if any."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MeSerializer

    def get(self, request):
        return Response(self.get_serializer(request.user).data)


class ReferenceViewSet(viewsets.ModelViewSet):
    """Reference data addressed by code: read by anyone signed in, written by admins."""

    permission_classes = [IsAdminOrReadOnly]
    lookup_field = "code"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_object(self):
        # No code holds a NUL, and PostgreSQL refuses one in a query: the contract's 400 naming
        # the lookup, before any query.
        if "\x00" in self.kwargs[self.lookup_field]:
            raise ValidationError({self.lookup_field: [ProhibitNullCharactersValidator.message]})
        return super().get_object()


class RegionViewSet(ReferenceViewSet):
    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer


class SolutionViewSet(ReferenceViewSet):
    queryset = Solution.objects.all()
    serializer_class = serializers.SolutionSerializer


class SkillViewSet(ReferenceViewSet):
    queryset = Skill.objects.all()
    serializer_class = serializers.SkillSerializer


class RateViewSet(viewsets.ModelViewSet):
    """The rate card. Changing a rate never reprices bookings: they froze theirs."""

    queryset = Rate.objects.all()
    serializer_class = serializers.RateSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = RateFilter


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.CustomerSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = CustomerFilter

    def get_queryset(self):
        return customer_list(user=self.request.user)


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Opportunities: reps see and create their own; managers see their regions'."""

    serializer_class = serializers.OpportunitySerializer
    filterset_class = OpportunityFilter

    def get_queryset(self):
        return opportunity_list(user=self.request.user)

    @extend_schema(
        request=serializers.OpportunityCreateSerializer,
        responses={201: serializers.OpportunitySerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = serializers.OpportunityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity = opportunity_create(owner=request.user, **data.validated_data)
        return Response(self.get_serializer(opportunity).data, status=status.HTTP_201_CREATED)
