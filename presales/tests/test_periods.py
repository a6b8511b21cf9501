import datetime as dt
import zoneinfo

import pytest

from presales.periods import Quarter

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_parse_and_format_round_trip():
    assert str(Quarter.parse("2026Q2")) == "2026Q2"
    assert Quarter.parse("2026Q4").next == Quarter(2027, 1)
    assert Quarter.parse("2026Q1").previous == Quarter(2025, 4)


@pytest.mark.parametrize("value", ["2026Q5", "2026-Q2", "26Q1", "", "2026q2"])
def test_malformed_quarters_are_refused(value):
    with pytest.raises(ValueError):
        Quarter.parse(value)


def test_a_moment_belongs_to_the_quarter_of_the_organisation_calendar():
    # 2026-03-31 20:00 UTC is already April 1st in Shanghai.
    moment = dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC)
    assert Quarter.of(moment, "Asia/Shanghai") == Quarter(2026, 2)
    assert Quarter.of(moment, "UTC") == Quarter(2026, 1)


def test_quarter_bounds_are_half_open_in_local_time():
    q2 = Quarter(2026, 2)
    assert q2.start("Asia/Shanghai") == dt.datetime(2026, 4, 1, tzinfo=SHANGHAI)
    assert q2.end("Asia/Shanghai") == dt.datetime(2026, 7, 1, tzinfo=SHANGHAI)
    assert Quarter.of(q2.end("Asia/Shanghai"), "Asia/Shanghai") == Quarter(2026, 3)
