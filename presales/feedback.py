"""How pages tell a user why something was refused: Django messages, one for the refusal and
one per field error, so a redirect after a post still shows them."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from presales.exceptions import ApplicationError


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
        return redirect(back)
    try:
        done = act(form.cleaned_data)
    except ApplicationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, success(done) if callable(success) else success)
    return redirect(back)
