"""Signing in with a password, throttled against guessing.

Failed attempts are counted in the cache (Redis in production) per username and per client
address, in fixed windows. Once either count reaches the limit, sign-ins for that username
or from that address are refused until its window ends, without even checking the password,
so guessing gains nothing. A refused attempt is not counted (the window does not grow); a
successful sign-in is not counted and clears its username's failures, not the address's, so
an attacker's own account cannot wipe the address count. The page, the admin and the API
token endpoint all go through ``sign_in_authenticate``.
"""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import BaseThrottle

from presales.exceptions import ApplicationError
from presales.models import User


class SignInThrottled(ApplicationError):
    code = "throttled"
    status = 429
    default_message = _("Too many failed sign-in attempts. Please try again later.")

    def __init__(self, *, retry_after: int):
        self.retry_after = retry_after
        minutes = math.ceil(retry_after / 60)
        super().__init__(
            _("Too many failed sign-in attempts. Please try again in %(minutes)d minutes.") % {"minutes": minutes}
        )


def client_address(request) -> str:
    """The address the API throttles count too (DRF's, honouring ``NUM_PROXIES``)."""
    return BaseThrottle().get_ident(request)


def _keys(*, username: str, address: str) -> list[str]:
    # Hashed: usernames are user input and may hold characters a cache key must not.
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return [f"signin-failures:user:{name}", f"signin-failures:addr:{address}"]


def sign_in_throttle_check(*, username: str, address: str) -> None:
    """Raise ``SignInThrottled`` while the username or the address is over the limit."""
    now = time.time()
    for key in _keys(username=username, address=address):
        if (cache.get(key) or 0) >= settings.SIGNIN_FAILURE_LIMIT:
            until = cache.get(f"{key}:until") or now + settings.SIGNIN_FAILURE_WINDOW_SECONDS
            raise SignInThrottled(retry_after=max(1, math.ceil(until - now)))


def sign_in_failure_record(*, username: str, address: str) -> None:
    window = settings.SIGNIN_FAILURE_WINDOW_SECONDS
    for key in _keys(username=username, address=address):
        # add() starts a window only if none is running; incr() is atomic in Redis and locmem.
        cache.add(f"{key}:until", time.time() + window, window)
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, window)


def sign_in_authenticate(*, request, username: str, password: str) -> User | None:
    """The user for these credentials, or None (a counted failure); ``SignInThrottled`` when refused."""
    address = client_address(request)
    sign_in_throttle_check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        sign_in_failure_record(username=username, address=address)
        return None
    user_key = _keys(username=username, address=address)[0]
    cache.delete_many([user_key, f"{user_key}:until"])
    return user
