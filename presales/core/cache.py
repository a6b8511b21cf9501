"""The Redis cache: django-redis with ``IGNORE_EXCEPTIONS``, so an outage is logged (as
``presales.core.cache``, settings.DJANGO_REDIS_LOGGER) instead of failing the request.

Nothing this project caches is a source of truth, so while Redis is down each operation
answers as if the cache were empty:

- throttling (``presales.api.throttling``, the sign-in throttle) fails open: the rate limits
  are not enforced — better than refusing every API call;
- the monitoring recompute's debounce and lock (``monitoring.tasks``) need ``add`` to answer
  "added", so a recompute runs rather than being skipped (it is an upsert: a duplicate only
  repeats work). django-redis answers None there, hence the one override below;
- idempotency keys are not here: they are rows written in the request's transaction
  (``presales.core.idempotency``), so they keep working as long as the database does.
"""

from django_redis.cache import RedisCache, omit_exception


class FailOpenRedisCache(RedisCache):
    """django-redis whose ``add`` answers "added" while Redis is down."""

    @omit_exception(return_value=True)
    def add(self, *args, **kwargs):
        return self.client.add(*args, **kwargs)
