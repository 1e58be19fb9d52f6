"""The per-project budget lock: every check that lets money be committed runs under it.

Committing money means handing out a task (raters.services.gate) or a positive staff adjustment
(raters.services.earnings). Both read the budget snapshot and act on it; without the lock two of them
could each see the last affordable cents as free. Submits need no lock: they only turn reservations into
spend or free them (docs/adr/0009-budget-reservations.md).
"""

from __future__ import annotations

from django.db import connection

from labeling.models import Project

BUDGET_LOCK_NAMESPACE = 6_006  # pg advisory lock key space for "budget of project N"


def budget_lock(*, project: Project) -> None:
    """Hold the project's budget lock until the caller's transaction ends.

    Outside a transaction (a page that only shows whether work is available) there is nothing to
    protect, and a session-level lock would outlive the request, so none is taken.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BUDGET_LOCK_NAMESPACE, project.pk])
