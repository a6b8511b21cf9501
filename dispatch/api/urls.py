from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch.api.views.bookings import BookingViewSet
from dispatch.api.views.engineers import EngineerViewSet
from dispatch.api.views.visibility import OpportunityVisibilityView
from dispatch.api.views.work_orders import WorkOrderViewSet
from dispatch.tiered.api.views.escalations import EscalationViewSet
from dispatch.tiered.api.views.hotline import HotlineViewSet

router = SimpleRouter()
router.register("engineers", EngineerViewSet, basename="engineer")
router.register("bookings", BookingViewSet, basename="booking")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("hotline-requests", HotlineViewSet, basename="hotline-request")
urlpatterns = [
    path("opportunities/<int:pk>/visibility/", OpportunityVisibilityView.as_view(), name="opportunity-visibility"),
    *router.urls,
]
