"""Notification emails, rendered from templates in the organisation's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(*, subject_template: str, body_template: str, context: dict, recipients: list[str]) -> None:
    """Render the subject (one line) and body with ``site_url`` added, then send.

    Tasks run outside any request, so the language is the organisation's, not a browser's.
    """
    with translation.override(settings.LANGUAGE_CODE):
        context = {**context, "site_url": settings.SITE_URL}
        send_mail(
            subject=render_to_string(subject_template, context).strip(),
            message=render_to_string(body_template, context),
            from_email=None,
            recipient_list=recipients,
        )
