"""Limits every request meets before and after its view: the body size under /api/, and a lock
or statement timeout from any view (the API's exception handler maps the same ones for DRF)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render

from presales.core.db import database_refusal
from presales.core.errors import is_api, refusal_response, with_retry_after


class LimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # DRF's parsers read the raw stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check
        # (which guards request.body and request.POST only): the declared length decides here.
        if is_api(request) and _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        return self.get_response(request)

    def process_exception(self, request, exception):
        refusal = database_refusal(exception)
        if refusal is None:
            return None
        if is_api(request):
            return refusal_response(refusal)
        return with_retry_after(
            render(request, "refused.html", {"message": refusal.message}, status=refusal.status), refusal
        )


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
