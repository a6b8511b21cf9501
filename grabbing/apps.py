from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrabbingConfig(AppConfig):
    name = "grabbing"
    verbose_name = _("Grab orders")

    def ready(self) -> None:
        from grabbing import receivers  # noqa: F401  (connects them)
