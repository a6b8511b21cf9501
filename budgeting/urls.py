from django.urls import path

from budgeting import views

app_name = "budgeting"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("team/", views.team, name="team"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("<int:pk>/adjust/", views.adjust, name="adjust"),
]
