from django.urls import path
from rest_framework.routers import SimpleRouter

from monitoring.api import views

router = SimpleRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
urlpatterns = [
    path("monitoring/cells/", views.CellListView.as_view(), name="monitoring-cells"),
    path("monitoring/recompute/", views.RecomputeView.as_view(), name="monitoring-recompute"),
    *router.urls,
]
