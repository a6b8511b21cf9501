"""Choosing a range on the schedule board in a real browser, as a rep does: open the day, then
click its start and its end on the engineer's row (or drag between them)."""

import datetime as dt

BOARD_START, BOARD_MINUTES = dt.time(8), 12 * 60  # the board's 08:00–20:00


def lane(page, username: str):
    return page.locator(f'[data-testid="schedule-board"] tr[data-engineer="{username}"] .lane')


def open_day(page, day: dt.date) -> None:
    link = page.locator(f'.board-day-link[data-day="{day:%Y-%m-%d}"]')
    if link.get_attribute("aria-current") != "date":
        link.click()
        page.locator(f'.board-day-link[data-day="{day:%Y-%m-%d}"][aria-current="date"]').wait_for()


def _x(box: dict, at: dt.time, inside: int = 7) -> float:
    """The x of ``at`` on a lane, ``inside`` minutes into its 15-minute slot."""
    minutes = (at.hour - BOARD_START.hour) * 60 + at.minute + inside
    return box["x"] + box["width"] * minutes / BOARD_MINUTES


def select_range(page, username: str, day: dt.date, start: dt.time, end: dt.time, *, drag: bool = False) -> None:
    """Select [start, end) on the row of ``username`` on ``day``; the confirmation opens."""
    open_day(page, day)
    row = lane(page, username)
    row.scroll_into_view_if_needed()  # mouse positions are the viewport's
    box = row.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    last = (dt.datetime.combine(day, end) - dt.timedelta(minutes=15)).time()
    if drag:
        page.mouse.move(_x(box, start), y)
        page.mouse.down()
        page.mouse.move(_x(box, last), y, steps=8)
        page.mouse.up()
    else:
        page.mouse.click(_x(box, start), y)
        page.mouse.click(_x(box, last), y)
    page.get_by_test_id("booking-confirm").wait_for()
