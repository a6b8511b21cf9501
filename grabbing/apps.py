from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrabbingConfig(AppConfig):
    name = "grabbing"
    verbose_name = _("Grab orders")
