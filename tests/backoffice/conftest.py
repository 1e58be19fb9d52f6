from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_dashboard_cache():
    """Snapshots live in Redis (this worker's db); never let one test see another's figures."""
    cache.clear()
    yield
    cache.clear()
