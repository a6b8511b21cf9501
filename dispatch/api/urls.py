from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch.api import escalations, hotline, views, work_orders
from dispatch.api.visibility import OpportunityVisibilityView

router = SimpleRouter()
router.register("engineers", views.EngineerViewSet, basename="engineer")
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("work-orders", work_orders.WorkOrderViewSet, basename="work-order")
router.register("escalations", escalations.EscalationViewSet, basename="escalation")
router.register("hotline-requests", hotline.HotlineViewSet, basename="hotline-request")
urlpatterns = [
    path("opportunities/<int:pk>/visibility/", OpportunityVisibilityView.as_view(), name="opportunity-visibility"),
    *router.urls,
]
