"""presales.core.transitions: what a table answers, and its refusals."""

import pytest
from django.utils import translation

from presales.core.transitions import Transitions, step
from presales.exceptions import InvalidState


class Thing:
    def __init__(self, status: str) -> None:
        self.status = status

    def get_status_display(self) -> str:
        return self.status.title()


TABLE = Transitions(
    "The thing is %(status)s; this is not possible now.",
    {"close": step(["open", "held"], "closed"), "hold": step(["open"], "held", refusal="Only open things are held.")},
)


def test_allows_sources_and_target():
    assert TABLE.allows("close", "held") and not TABLE.allows("close", "closed")
    assert TABLE.sources("close") == ("held", "open")
    assert TABLE.target("hold") == "held"


def test_an_unknown_action_is_a_programming_error():
    asks = (
        lambda: TABLE.allows("fly", "open"),
        lambda: TABLE.sources("fly"),
        lambda: TABLE.require(Thing("open"), "fly"),
    )
    for ask in asks:
        with pytest.raises(ValueError, match="unknown action 'fly'"):
            ask()


def test_require_refuses_with_the_steps_or_the_tables_message():
    TABLE.require(Thing("open"), "hold")
    with translation.override("en"):
        with pytest.raises(InvalidState, match=r"^The thing is Closed; this is not possible now\.$"):
            TABLE.require(Thing("closed"), "close")
        with pytest.raises(InvalidState, match=r"^Only open things are held\.$"):
            TABLE.require(Thing("held"), "hold")
        with pytest.raises(InvalidState) as refused:
            Transitions(None, {"go": step(["open"])}).require(Thing("done"), "go")
    assert refused.value.code == "invalid_state"
