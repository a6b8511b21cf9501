from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("find/", views.find, name="find"),
    path("my-schedule/", views.my_schedule, name="my-schedule"),
]
