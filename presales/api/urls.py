from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from presales.api.views.accounts import MeView, TokenView
from presales.api.views.customers import CustomerViewSet
from presales.api.views.opportunities import OpportunityViewSet
from presales.api.views.reference import RateViewSet, RegionViewSet, SkillViewSet, SolutionViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("solutions", SolutionViewSet, basename="solution")
router.register("skills", SkillViewSet, basename="skill")
router.register("rates", RateViewSet, basename="rate")
router.register("customers", CustomerViewSet, basename="customer")
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include(router.urls)),
]
