import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    # Login limits count in the cache; each test starts with a fresh budget.
    cache.clear()
    yield
    cache.clear()
