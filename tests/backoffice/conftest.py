from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.raters.conftest import make_campaign, make_project, make_rater, make_user  # noqa: F401


@pytest.fixture(autouse=True)
def _clear_dashboard_cache():
    """Snapshots live in Redis (this worker's db); never let one test see another's figures."""
    cache.clear()
    yield
    cache.clear()
