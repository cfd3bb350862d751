"""--cache redis://: Django's RedisCache for select cached, with the Redis at 127.0.0.1:6379.

``.ci/run`` starts that Redis when it is missing; without one these tests skip, and under
``CI=true`` they fail.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from roadbench.api import run
from roadbench.database.cache import cache_server
from roadbench.errors import BadInput, DatabaseUnavailable
from roadbench.measuring.measure import Timing

REDIS_URL = os.environ.get("ROADBENCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"no Redis for the tests at {REDIS_URL} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true this is a failure, not a skip")
        pytest.skip(message)
    yield client
    client.close()


def test_the_run_keys_live_under_their_own_prefix_and_are_removed(redis_client):
    from django.core.cache import cache

    theirs = f"rbtest_user_key_{secrets.token_hex(4)}"
    redis_client.set(theirs, "keep")
    try:
        with cache_server(REDIS_URL) as prefix:
            assert prefix is not None
            cache.set("roads", [1, 2, 3])
            assert cache.get("roads") == [1, 2, 3]
            assert redis_client.keys(f"{prefix}:*") == [f"{prefix}:1:roads".encode()]
        assert redis_client.keys(f"{prefix}:*") == []
        assert redis_client.get(theirs) == b"keep"
    finally:
        redis_client.delete(theirs)
    from django.core.cache import caches

    assert type(caches["default"]).__name__ == "LocMemCache"  # the default again


def test_select_cached_through_redis_reads_every_road_with_no_query(redis_client):
    notes: list[str] = []
    report = run(
        3,
        "select",
        "cached",
        rows=40,
        timing=Timing(warmup=0, repeat=2),
        cache=REDIS_URL,
        notify=notes.append,
    )
    (result,) = report.results
    assert result.status == "ok"
    assert result.queries == 0
    (note,) = [n for n in notes if n.startswith("cache: Redis")]
    prefix = note.split("keys under ")[1].split(":")[0]
    assert redis_client.keys(f"{prefix}:*") == []


def test_cache_urls_are_checked_before_anything_runs():
    with pytest.raises(BadInput, match="unsupported cache URL scheme 'memcached'"):
        run(3, "select", "cached", rows=40, cache="memcached://127.0.0.1:11211")
    with pytest.raises(
        DatabaseUnavailable, match=r"cannot reach the cache at redis://127\.0\.0\.1:1/0"
    ):
        run(3, "select", "cached", rows=40, cache="redis://127.0.0.1:1/0")


def test_missing_redis_py_is_one_clear_line():
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from roadbench.cli.app import main\n"
        "main(['run', '-o', '3', '--op', 'select', '-m', 'cached', '--cache', "
        "'redis://127.0.0.1:6379/0'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "roadbench: error: --cache redis://127.0.0.1:6379/0 needs redis-py: "
        "pip install 'roadbench[redis]'"
    )
