"""How pages tell a user why something was refused: Django messages, one for the refusal and
one per field error, so a redirect after a post still shows them."""

from django.contrib import messages

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
