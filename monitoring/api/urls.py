from django.urls import path
from rest_framework.routers import SimpleRouter

from monitoring.api.views.dashboard import AlertViewSet, CellListView, RecomputeView

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
urlpatterns = [
    path("monitoring/cells/", CellListView.as_view(), name="monitoring-cells"),
    path("monitoring/recompute/", RecomputeView.as_view(), name="monitoring-recompute"),
    *router.urls,
]
