"""Run one function from many real threads at once, each on its own database connection."""

import threading
from collections.abc import Callable

from django.db import connections


def run_concurrently(count: int, work: Callable[[int], object], *, timeout: float = 120) -> list[object]:
    """Call ``work(i)`` for i in range(count) from ``count`` threads released together by a
    barrier; return each call's result or the exception it raised, in order."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread did not finish in time"
    return results
