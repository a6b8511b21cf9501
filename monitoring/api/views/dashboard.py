import datetime as dt

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.api.serializers.dashboard import (
    AlertSerializer,
    CellSerializer,
    RecomputeQueuedSerializer,
    RecomputeRequestSerializer,
)
from monitoring.filters import AlertFilter, CellFilter
from monitoring.models import Alert, CellSnapshot
from monitoring.selectors import dashboard as dashboard_selectors
from monitoring.services.alerts import alert_acknowledge, alert_resolve
from monitoring.services.recompute import default_end
from monitoring.tasks import recompute_cells
from presales import access
from presales.api.permissions import HasRole
from presales.core.outbox import enqueue
from presales.inputs import check_time

WATCHERS = HasRole.of(*access.WATCHERS)


class CellListView(ListAPIView):
    """Region × solution figures of the newest window, or of the window ending at ``date``'s
    midnight; the user's regions only (admins: all)."""

    serializer_class = CellSerializer
    filterset_class = CellFilter
    permission_classes = [WATCHERS]
    queryset = CellSnapshot.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        user = self.request.user
        day = self.request.query_params.get("date")
        try:
            end = dashboard_selectors.day_end(check_time(dt.date.fromisoformat(day))) if day else None
        except (ValueError, ValidationError):
            end = None  # the FilterSet reports the bad date as a 400
        end = end or dashboard_selectors.latest_window_end(regions=access.watched_regions(user))
        if end is None:
            return CellSnapshot.objects.none()
        return dashboard_selectors.snapshot_list(user=user, end=end)


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Surge alerts of the user's regions, each with its contingency plan."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    permission_classes = [WATCHERS]
    queryset = Alert.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return dashboard_selectors.alert_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return dashboard_selectors.with_plans(page) if page is not None else None

    def get_object(self):
        return dashboard_selectors.with_plans([super().get_object()])[0]

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """A manager of the region takes the alert on: open → acknowledged."""
        alert = alert_acknowledge(alert=self.get_object(), by=request.user)
        return Response(AlertSerializer(dashboard_selectors.with_plans([alert])[0]).data)

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """A manager of the region closes the alert."""
        alert = alert_resolve(alert=self.get_object(), by=request.user)
        return Response(AlertSerializer(dashboard_selectors.with_plans([alert])[0]).data)


class RecomputeView(APIView):
    """Queue a recompute of every cell (in-process when there is no broker): 202."""

    permission_classes = [HasRole.of(*access.MANAGERS_AND_ADMINS)]

    @extend_schema(request=RecomputeRequestSerializer, responses={202: RecomputeQueuedSerializer})
    def post(self, request):
        data = RecomputeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day = data.validated_data.get("date")
        end = dashboard_selectors.day_end(day) if day else default_end()
        enqueue(recompute_cells, end.isoformat() if day else None)
        return Response({"queued": True, "end": end}, status=status.HTTP_202_ACCEPTED)
