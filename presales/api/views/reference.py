"""Reference data: regions, solutions, skills and the rate card (admins write, everyone reads)."""

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from presales.api.permissions import IsAdminOrReadOnly
from presales.api.serializers.reference import RateSerializer, RegionSerializer, SkillSerializer, SolutionSerializer
from presales.filters import RateFilter
from presales.models import Rate, Region, Skill, Solution


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
    serializer_class = RegionSerializer


class SolutionViewSet(ReferenceViewSet):
    queryset = Solution.objects.all()
    serializer_class = SolutionSerializer


class SkillViewSet(ReferenceViewSet):
    queryset = Skill.objects.all()
    serializer_class = SkillSerializer


class RateViewSet(viewsets.ModelViewSet):
    """The rate card. Changing a rate never reprices bookings: they froze theirs."""

    queryset = Rate.objects.all()
    serializer_class = RateSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = RateFilter
