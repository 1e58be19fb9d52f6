"""The cached alpha: its bootstrap runs after the resolve commits, with the project's advisory lock released."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from labeling.selectors.agreement import alpha_cache_key, alpha_cached
from labeling.services.resolution import item_resolve, project_resolve
from tests.labeling.test_resolution import load

LOCK_NAMESPACE = 7301  # labeling.services.resolution's pg_advisory_xact_lock(namespace, project_id)


def _from_another_connection(project, item) -> dict:
    """In a second connection: the project's advisory locks held, and whether a resolve of an item gets through."""
    seen: dict = {}

    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
                    [LOCK_NAMESPACE, project.pk],
                )
                seen["locks"] = cursor.fetchone()[0]
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '1s'")
                    item_resolve(item=item)
                seen["resolved"] = True
            except Exception as exc:  # noqa: BLE001 - the lock timeout, reported to the test
                seen["resolved"] = type(exc).__name__
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return seen


@pytest.mark.django_db(transaction=True)
def test_bootstrap_runs_after_the_lock_is_released(tmp_path):
    # Given an imported project, and no cached alpha yet
    rows = [(i, r, "x" if (i + r) % 3 else "y") for i in range(30) for r in range(3)]
    project = load(tmp_path, rows, categories="x,y")
    item = project.items.get(external_id="0")
    cache.delete(alpha_cache_key(project.pk))
    seen: dict[str, dict] = {}

    def progress(stage: str) -> None:
        if stage == "write":  # the last step inside the resolve's transaction
            seen["write"] = _from_another_connection(project, item)
        if stage == "commit":  # committed; the bootstrap starts next
            seen["commit"] = {**_from_another_connection(project, item), "cached": alpha_cached(project=project)}

    # When the project is resolved with a bootstrap
    summary = project_resolve(project=project, bootstrap=200, progress=progress)

    # Then inside the transaction the lock is held and a resolve of its item times out
    assert seen["write"]["locks"] == 1 and seen["write"]["resolved"] == "OperationalError"
    # and before the bootstrap the lock is gone and the same resolve goes through
    assert seen["commit"] == {"locks": 0, "resolved": True, "cached": None}
    # and the bootstrap's figures arrive after it, in the summary and the cache
    assert summary.alpha["bootstrap"] == 200 and alpha_cached(project=project) == summary.alpha
