# Grab-order pages arrive with the grab-order issue; the namespace exists so links can be added then.
app_name = "grabbing"

urlpatterns = []
