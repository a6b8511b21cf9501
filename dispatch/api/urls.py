from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch.api import escalations, hotline, views
from dispatch.api.visibility import OpportunityVisibilityView

router = SimpleRouter()
router.register("engineers", views.EngineerViewSet, basename="engineer")
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("escalations", escalations.EscalationViewSet, basename="escalation")
router.register("hotline-requests", hotline.HotlineViewSet, basename="hotline-request")
urlpatterns = [
    path("opportunities/<int:pk>/visibility/", OpportunityVisibilityView.as_view(), name="opportunity-visibility"),
    *router.urls,
]
