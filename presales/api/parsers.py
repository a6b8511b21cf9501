"""The API's JSON parser: DRF's, refusing also what JSON allows but no field here can mean."""

import codecs
import json
import math

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils.json import strict_constant

# The deepest body the contract has is three levels (a grab order's scope.regions); a deeper one
# is not a request, and a very deep one exhausts Python's stack while parsing or after it.
MAX_DEPTH = 32
TOO_DEEP = _("The body nests deeper than %(depth)s levels.")
NOT_FINITE = _("The number %(number)s is out of range.")


class _NotFinite:
    """What 1e400 parses to instead of infinity, so that the check can say where it was."""

    def __init__(self, text: str):
        self.text = text


def _finite(text: str) -> float | _NotFinite:
    number = float(text)
    return number if math.isfinite(number) else _NotFinite(text)


def _check(data) -> None:
    """One walk over the parsed body, without recursion: a body nested too deep is a ParseError,
    a number no field can take (1e400 is valid JSON, but infinity) a 400 naming its field."""
    pending = [(data, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, _NotFinite):
            field = ".".join(str(key) for key in path) or "non_field_errors"
            raise ValidationError({field: [NOT_FINITE % {"number": node.text[:40]}]})
        if isinstance(node, dict):
            children = node.items()
        elif isinstance(node, list):
            children = enumerate(node)
        else:
            continue
        if len(path) >= MAX_DEPTH:
            raise ParseError(TOO_DEEP % {"depth": MAX_DEPTH})
        pending.extend((child, (*path, key)) for key, child in children)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_constant=strict_constant, parse_float=_finite)
        except RecursionError as exc:  # far deeper than MAX_DEPTH: the parser ran out of stack
            raise ParseError(TOO_DEEP % {"depth": MAX_DEPTH}) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        _check(data)
        return data
