"""A real cache server for the ``cached`` select method: Django's built-in RedisCache.

By default ``cached`` measures Django's in-process LocMemCache. With ``--cache
redis://host:port/db`` it uses Redis the way a team deploys it (network round trip and pickling
included). Like the throwaway database, roadbench's keys live under a prefix unique to the run
(``KEY_PREFIX``) and are removed at the end; nothing else in that Redis database is read,
changed or flushed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from roadbench.database import mask_url, unique_name
from roadbench.database.django_internals import default_cache
from roadbench.errors import BadInput, DatabaseUnavailable

SCHEMES = ("redis", "rediss")
CONNECT_TIMEOUT_S = 5


@contextlib.contextmanager
def cache_server(
    url: str | None, notify: Callable[[str], None] | None = None
) -> Iterator[str | None]:
    """Use the Redis at ``url`` as Django's default cache for the block; yields the key prefix.

    ``None``: Django's LocMemCache, as configured (yields None).
    """
    if url is None:
        yield None
        return
    client = _connect(url)
    prefix = unique_name()
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": CONNECT_TIMEOUT_S},
    }
    if notify:
        notify(f"cache: Redis at {mask_url(url)}, keys under {prefix}: (removed at the end)")
    try:
        with default_cache(config):
            yield prefix
    finally:
        remove_keys(client, prefix)
        client.close()


def check_cache_url(url: str) -> str:
    """A Redis URL with a host and, if any, a database number: redis-py reads ``redis://``
    as localhost and ``/abc`` as database 0, without a word."""
    shown = mask_url(url)
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise BadInput(
            f"unsupported cache URL scheme {parts.scheme or '(none)'!r} in {shown}; "
            "use redis://host:port/db"
        )
    try:
        port = parts.port
    except ValueError:
        raise BadInput(f"{{cache}} {shown}: the port must be a number, 1-65535", "cache") from None
    if not parts.hostname:
        raise BadInput(f"{{cache}} {shown} names no host; use redis://host:port/db", "cache")
    if port == 0:
        raise BadInput(f"{{cache}} {shown}: port 0 (use 1-65535)", "cache")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise BadInput(
            f"{{cache}} {shown}: the database after the host is a number (redis://host:port/0), "
            f"not {database!r}",
            "cache",
        )
    return url


def _connect(url: str) -> Any:
    check_cache_url(url)
    try:
        import redis
    except ImportError:
        raise BadInput(
            f"{{cache}} {mask_url(url)} needs redis-py: pip install 'roadbench[redis]'", "cache"
        ) from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise DatabaseUnavailable(f"cannot reach the cache at {mask_url(url)}: {exc}") from None
    return client


def remove_keys(client: Any, prefix: str) -> int:
    """Delete this run's keys (Django stores ``KEY_PREFIX:version:key``); returns how many."""
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)
