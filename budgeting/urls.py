from django.urls import path

from budgeting import views

app_name = "budgeting"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
]
