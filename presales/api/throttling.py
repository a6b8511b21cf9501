"""Throttles whose rates are read from settings on each request (DRF reads them at import)."""

from django.conf import settings
from rest_framework import throttling


class SettingsRateMixin:
    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]


class AnonThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    pass


class AuthThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Sign-in attempts per client address, whoever they claim to be."""

    scope = "auth"
