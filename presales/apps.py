from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresalesConfig(AppConfig):
    name = "presales"
    verbose_name = _("Organisation")
