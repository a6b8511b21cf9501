"""``GET /opportunities/{id}/visibility/``: full-process visibility (全程可视) of one opportunity."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api.serializers.visibility import VisibilitySerializer
from dispatch.selectors.visibility import opportunity_visibility
from presales.selectors.opportunities import opportunity_list


class OpportunityVisibilityView(APIView):
    """Hours per engineer and stage, every dispatch with its delay, ratings and money.

    The owner, their region's managers and admins see everything; an engineer who worked on
    the opportunity sees only their own part and no money; anyone else gets 404.
    """

    @extend_schema(responses={200: VisibilitySerializer})
    def get(self, request: Request, pk: int) -> Response:
        opportunity = get_object_or_404(opportunity_list(user=request.user).select_related("solution"), pk=pk)
        return Response(VisibilitySerializer(opportunity_visibility(opportunity=opportunity, viewer=request.user)).data)
