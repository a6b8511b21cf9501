"""Server-rendered pages of the organisation (the API lives under presales/api/)."""

from django.urls import path

from presales import views

app_name = "presales"

urlpatterns = [
    path("", views.opportunities, name="opportunities"),
    path("no-role/", views.no_role, name="no-role"),
]
