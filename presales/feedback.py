"""How pages tell a user why something was refused: Django messages, one for the refusal and
one per field error, so a redirect after a post still shows them; and what the user typed,
kept for the page the redirect lands on so a refusal never clears the form."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from presales.exceptions import ApplicationError

TYPED_SESSION_KEY = "typed_input"
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "password"})


def typed_input(request) -> dict:
    """What the user posted to this address, as the row or page it re-renders puts it back:
    ``{"action": path, "values": {name: value}}``."""
    values = {name: value for name, value in request.POST.items() if name not in NOT_KEPT}
    return {"action": request.path, "values": values}


def keep_typed(request) -> None:
    """A refusal answered with a redirect: keep the post for the next page, read once."""
    request.session[TYPED_SESSION_KEY] = typed_input(request)


def take_typed(request, action: str | None = None) -> dict:
    """The kept post (``typed_input``), removed from the session; with ``action``, only the
    values posted to that address (else ``{}``, and the kept post stays for its own form)."""
    session = getattr(request, "session", None)
    kept = session.get(TYPED_SESSION_KEY) if session is not None else None
    if not kept or (action is not None and kept["action"] != action):
        return {} if action is not None else (kept or {})
    del session[TYPED_SESSION_KEY]
    return kept["values"] if action is not None else kept


def message_form_errors(request, form) -> None:
    for field_errors in form.errors.values():
        for field_error in field_errors:
            messages.error(request, field_error)


def message_refusal(request, error: ApplicationError) -> None:
    messages.error(request, error.message)
    for field_errors in (error.fields or {}).values():
        for field_error in field_errors:
            messages.error(request, field_error)


def act_on_form(
    request,
    form,
    act: Callable[[dict], Any],
    *,
    success: Callable[[Any], str] | str,
    back: str,
    invalid: str | None = None,
) -> HttpResponse:
    """A posted form's action, answered with a redirect to ``back``: the form's errors (or the
    one ``invalid`` message), the service's refusal, or ``success`` (a message, or one made from
    what ``act`` returned)."""
    if not form.is_valid():
        if invalid is None:
            message_form_errors(request, form)
        else:
            messages.error(request, invalid)
        keep_typed(request)
        return redirect(back)
    try:
        done = act(form.cleaned_data)
    except ApplicationError as error:
        message_refusal(request, error)
        keep_typed(request)
    else:
        messages.success(request, success(done) if callable(success) else success)
    return redirect(back)
