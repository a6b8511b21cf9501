from rest_framework.routers import SimpleRouter

from grabbing.api import views

router = SimpleRouter()
router.register("grab-orders", views.GrabOrderViewSet, basename="grab-order")
router.register("invitations", views.InvitationViewSet, basename="invitation")
urlpatterns = router.urls
