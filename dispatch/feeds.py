"""The engineer's iCalendar feed: no sign-in, the secret token in the URL is the credential."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from dispatch.ical import engineer_calendar
from dispatch.models import Engineer


@require_GET
def calendar_feed(request, token: str):
    # An unknown (or rotated) token answers 404, the same as a feed that never existed; so does
    # one with a NUL, which no token holds and PostgreSQL would refuse to look up.
    if "\x00" in token:
        raise Http404
    engineer = get_object_or_404(Engineer.objects.select_related("user"), calendar_token=token, is_active=True)
    response = HttpResponse(engineer_calendar(engineer), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
