"""Page access by role: one decorator, so every page states who it is for."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from presales import access


def role_required(*roles: str):
    """Anonymous visitors go to the sign-in page; signed-in users without one of ``roles`` get 403.

    Django's ``user_passes_test`` would send a signed-in user back to the sign-in page,
    which loops; a plain 403 tells them the page is not theirs.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not access.has_any_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
