from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cells.csv", views.cells_csv, name="cells-csv"),
    path("utilisation.csv", views.utilisation_csv, name="utilisation-csv"),
    path("recompute/", views.recompute, name="recompute"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert-resolve"),
]
