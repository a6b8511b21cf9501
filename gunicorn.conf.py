"""gunicorn settings read from the working directory (the Procfile and bench/ start it here).

Garbage collection out of band. A request leaves some 2,500 objects in reference cycles
(query expressions, model instances tied to their related objects, form fields), which only the
cyclic collector frees. Left to itself it runs in the middle of requests, and every few dozen
requests it runs a full collection over every object of the process, which a client waits for
(it was the search's p99 tail: bench/README.md, search item 5). Instead each worker
- freezes what exists once the app is loaded (modules, settings, URL patterns: never garbage),
  so no collection walks it again;
- collects after the response is sent: the young generation after every request, the middle
  one every 10th, everything every 100th. A client never waits for it, and the memory of one
  request's cycles is given back before the next starts.
"""

import gc

FULL_EVERY = 100
MIDDLE_EVERY = 10


def post_worker_init(worker):
    gc.disable()
    gc.freeze()
    worker.requests_since_start = 0


def post_request(worker, req, environ, resp):
    worker.requests_since_start += 1
    count = worker.requests_since_start
    gc.collect(2 if count % FULL_EVERY == 0 else 1 if count % MIDDLE_EVERY == 0 else 0)
