"""A Redis cache whose outage is logged instead of failing the request.

Django's RedisCache has no "ignore exceptions" option. Nothing this project caches is a
source of truth, so each operation falls back to "as if the cache were empty":

- throttling (``presales.api.throttling``) fails open: while Redis is down the rate limits
  are not enforced — better than refusing every API call;
- the monitoring recompute's debounce and lock (``monitoring.tasks``): ``add`` answers
  "added", so a recompute runs rather than being skipped; it is an upsert, so a duplicate only
  repeats work;
- idempotency keys are not here: they are rows written in the request's transaction
  (``presales.core.idempotency``), so they keep working as long as the database does.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _get_fallback(key, default=None, version=None):
    return default


# Operation -> what it answers while Redis is down.
FALLBACKS = {
    "get": _get_fallback,
    "get_many": lambda *args, **kwargs: {},
    "has_key": lambda *args, **kwargs: False,
    "add": lambda *args, **kwargs: True,
    "set": lambda *args, **kwargs: None,
    "set_many": lambda *args, **kwargs: [],
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
    "delete_many": lambda *args, **kwargs: None,
    "clear": lambda *args, **kwargs: None,
}


def _guarded(name: str):
    fallback = FALLBACKS[name]

    def operation(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except RedisError as error:
            logger.error("Cache %s failed, going on without the cache: %r", name, error)
            return fallback(*args, **kwargs)

    operation.__name__ = name
    return operation


class FailOpenRedisCache(RedisCache):
    """RedisCache with every operation of ``FALLBACKS`` guarded."""


for _name in FALLBACKS:
    setattr(FailOpenRedisCache, _name, _guarded(_name))
