"""Each test starts with an empty cache, as it starts with its own database: with Redis as the cache (CI, a
developer's machine with REDIS_URL), what one test kept (a resident's account facts, a count, a page)
would otherwise be read by the tests after it, and by the next run of the suite, whose rows reuse the
same numbers."""

from django.core.cache import cache


def test_a_test_keeps_something_in_the_cache():
    cache.set("cache-isolation-probe", "kept by the test before")
    assert cache.get("cache-isolation-probe") == "kept by the test before"


def test_the_next_test_does_not_find_it():
    assert cache.get("cache-isolation-probe") is None
