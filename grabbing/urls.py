from django.urls import path

from grabbing import views

app_name = "grabbing"

urlpatterns = [
    path("new/", views.new, name="new"),
    path("new/preview/", views.preview, name="preview"),
    path("mine/", views.mine, name="mine"),
    path("invitations/", views.invitations, name="invitations"),
    path("<int:pk>/grab/", views.grab, name="grab"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/questions/", views.ask, name="ask"),
]
