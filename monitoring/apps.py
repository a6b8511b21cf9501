from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Real-time control")

    def ready(self) -> None:
        from monitoring import signals  # noqa: F401 — connects the receivers
