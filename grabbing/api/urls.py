from rest_framework.routers import SimpleRouter

from grabbing.api.views.grab_orders import GrabOrderViewSet, InvitationViewSet

router = SimpleRouter()
router.register("grab-orders", GrabOrderViewSet, basename="grab-order")
router.register("invitations", InvitationViewSet, basename="invitation")
urlpatterns = router.urls
