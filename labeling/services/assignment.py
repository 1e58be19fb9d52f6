"""Leasing items to raters. The only write path for Assignment rows and `Item.slots_open`.

Why it is race-free (see docs/adr/0001-skip-locked-assignment.md):
- a rater's own requests are serialised by a row lock on their ProjectMembership;
- an item is taken with `SELECT ... FOR UPDATE SKIP LOCKED`, so two raters never wait on or take the
  same row at once, and `slots_open` is decremented under that lock (a CHECK keeps it >= 0);
- the unique key (item, rater) makes a second lease of one item to one rater impossible.
Lock order everywhere: membership -> item -> assignment, or assignment -> item (reclaim, submit, skip),
and the item lock in the lease path is taken with SKIP LOCKED, so it never waits.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from config.exceptions import ForbiddenError
from labeling.models import Assignment, AssignmentStatus, InstructionVersion, Item, Project, ProjectMembership
from labeling.selectors.instructions import instructions_current_for_user
from raters.services.gate import rater_task_refusal

RECLAIM_BATCH = 1000

# The next regular item for this rater: open slots, priority first, then the item's random queue key, never
# one they hold or did. The WHERE repeats the predicate of the partial index item_queue_idx so the planner
# walks it in order, with a nested-loop anti-join probing the (item, rater) unique index per row.
# `{range}` narrows the walk.
_QUEUE_SQL = """
SELECT i.id, i.priority, i.queue_key FROM labeling_item i
WHERE i.project_id = %(project)s
  AND i.slots_open > 0 AND NOT i.is_gold AND NOT i.is_exam AND NOT i.is_practice {range}
  AND NOT EXISTS (
      SELECT 1 FROM labeling_assignment a
      WHERE a.item_id = i.id AND a.rater_id = %(rater)s AND a.status <> 'expired'
  )
ORDER BY i.priority DESC, i.queue_key, i.id
LIMIT 1
FOR UPDATE OF i SKIP LOCKED
"""
_NEXT_ITEM_SQL = _QUEUE_SQL.format(range="")
# The head of the queue: the first HEAD_WINDOW open items, whoever labeled them. Bounded, so a rater who
# already labeled many of the top open items does not walk them all; new high-priority items show up here.
# The window and the anti-join run on the indexes alone; only the few candidates left are fetched and locked.
# (Written as `i.id IN (window)` the planner walked the whole queue instead.) `OFFSET 0` keeps the NOT EXISTS
# a per-row probe of the (item, rater) key: as a hash anti-join it read every row this rater ever had.
_HEAD_SQL = """
SELECT i.id, i.priority, i.queue_key FROM labeling_item i
WHERE i.id = ANY(ARRAY(
    SELECT head.id FROM (
        SELECT h.id, h.priority, h.queue_key FROM labeling_item h
        WHERE h.project_id = %(project)s
          AND h.slots_open > 0 AND NOT h.is_gold AND NOT h.is_exam AND NOT h.is_practice
        ORDER BY h.priority DESC, h.queue_key, h.id
        LIMIT %(window)s
    ) head
    WHERE NOT EXISTS (
        SELECT 1 FROM labeling_assignment a
        WHERE a.item_id = head.id AND a.rater_id = %(rater)s AND a.status <> 'expired'
        OFFSET 0
    )
    ORDER BY head.priority DESC, head.queue_key, head.id
    LIMIT %(candidates)s
))
  AND i.slots_open > 0
ORDER BY i.priority DESC, i.queue_key, i.id
LIMIT 1
FOR UPDATE OF i SKIP LOCKED
"""
# Past this rater's queue position: same priority with a larger (key, id), then lower priorities (two index ranges).
_AFTER_SAME_PRIORITY_SQL = _QUEUE_SQL.format(
    range="AND i.priority = %(priority)s AND (i.queue_key, i.id) > (%(key)s, %(item)s)"
)
_AFTER_LOWER_PRIORITY_SQL = _QUEUE_SQL.format(range="AND i.priority < %(priority)s")
HEAD_WINDOW = 200
HEAD_CANDIDATES = 32  # more than the raters likely to be leasing the same head items at one instant

# A gold item this rater does not hold and has not done: the first one at or after a random point on the
# queue key (wrapping round), walked on item_gold_idx. Gold has no slot limit. An expired gold lease counts
# as not had, exactly like an expired regular one (the progress meter counts both kinds with this rule).
_GOLD_FROM_SQL = """
SELECT i.id FROM labeling_item i
WHERE i.project_id = %(project)s AND i.is_gold AND NOT i.is_exam AND NOT i.is_practice {range}
  AND NOT EXISTS (
      SELECT 1 FROM labeling_assignment a
      WHERE a.item_id = i.id AND a.rater_id = %(rater)s AND a.status <> 'expired'
  )
ORDER BY i.queue_key
LIMIT 1
"""
_NEXT_GOLD_SQL = f"""
({_GOLD_FROM_SQL.format(range="AND i.queue_key >= %(start)s").strip()})
UNION ALL
({_GOLD_FROM_SQL.format(range="AND i.queue_key < %(start)s").strip()})
LIMIT 1
"""

# One statement for both kinds of grant, so a gold grant and a regular one do the same database work:
# one row per (item, rater) (a new lease, or an expired lease of the same rater granted again), and the
# regular item the pick locked loses `take` slots (1 when it is the item granted, 0 when gold was served).
_GRANT_SQL = """
WITH granted AS (
    INSERT INTO labeling_assignment (
        project_id, item_id, rater_id, status, instruction_version_id, leased_at, expires_at, lease_count,
        closed_at, skip_reason
    )
    VALUES (%(project)s, %(item)s, %(rater)s, 'leased', %(version)s, %(now)s, %(expires)s, 1, NULL, '')
    ON CONFLICT (item_id, rater_id) DO UPDATE SET
        status = 'leased', instruction_version_id = EXCLUDED.instruction_version_id,
        leased_at = EXCLUDED.leased_at, expires_at = EXCLUDED.expires_at,
        lease_count = labeling_assignment.lease_count + 1, closed_at = NULL
    WHERE labeling_assignment.status = 'expired'
    RETURNING id
),
taken AS (
    UPDATE labeling_item SET slots_open = slots_open - %(take)s
    WHERE id = %(regular)s AND EXISTS (SELECT 1 FROM granted)
)
SELECT id FROM granted
"""

_RECLAIM_SQL = """
WITH due AS (
    SELECT id FROM labeling_assignment
    WHERE status = 'leased' AND expires_at <= %(due)s {scope}
    ORDER BY expires_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE labeling_assignment a SET status = 'expired', closed_at = %(now)s
FROM due WHERE a.id = due.id
RETURNING a.item_id
"""


def slots_release(item_ids: list[int]) -> None:
    """Give back one slot per released lease. Gold items never lose slots, so they get none back."""
    counts: dict[int, int] = {}
    for item_id in item_ids:
        counts[item_id] = counts.get(item_id, 0) + 1
    for item_id in sorted(counts):  # a fixed order, so two releasers cannot deadlock
        Item.objects.filter(pk=item_id, is_gold=False).update(slots_open=F("slots_open") + counts[item_id])


def _expire(
    *,
    now: datetime,
    limit: int,
    due: datetime | None = None,
    project_id: int | None = None,
    rater_id: int | None = None,
) -> int:
    """Expire up to `limit` leases due by `due` (default: now). The caller holds the transaction."""
    scope, params = "", {"now": now, "due": due or now, "limit": limit}
    if project_id is not None:
        scope += " AND project_id = %(project)s"
        params["project"] = project_id
    if rater_id is not None:
        scope += " AND rater_id = %(rater)s"
        params["rater"] = rater_id
    with connection.cursor() as cursor:
        cursor.execute(_RECLAIM_SQL.format(scope=scope), params)
        item_ids = [row[0] for row in cursor.fetchall()]
    slots_release(item_ids)
    return len(item_ids)


def leases_reclaim_expired(*, now: datetime | None = None) -> int:
    """Expire leases past their time and reopen their slots, in batches (one transaction per batch).

    Called every 30 s by Celery beat (labeling.tasks.reclaim_expired_leases). Rows another transaction
    holds (a submit in flight) are skipped and picked up on the next run.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            count = _expire(now=now, limit=RECLAIM_BATCH)
        total += count
        if count < RECLAIM_BATCH:
            return total


@transaction.atomic
def leases_release_for_rater(*, project: Project, rater) -> int:
    """End every open lease of this rater on this project (e.g. when the rater is paused)."""
    now = timezone.now()
    every = now + timedelta(days=36500)
    total = 0
    while True:
        count = _expire(now=now, due=every, limit=RECLAIM_BATCH, project_id=project.pk, rater_id=rater.pk)
        total += count
        if count < RECLAIM_BATCH:
            return total


def _refuse_if_blocked(*, project: Project, rater) -> InstructionVersion | None:
    """Raise ForbiddenError with a code when the rater may not work now; else return the current instructions."""
    refusal = rater_task_refusal(project=project, user=rater)
    if refusal is not None:
        code, message = refusal
        raise ForbiddenError(message, extra={"code": code})
    if not project.is_active:
        raise ForbiddenError("This project is not taking work.", extra={"code": "project_inactive"})
    current = instructions_current_for_user(project=project, user=rater)
    if current is not None and not current.acknowledged:
        raise ForbiddenError(
            "Read and acknowledge the current instructions first.",
            extra={"code": "instructions_not_acknowledged", "instruction_version": current.version},
        )
    return current


def _pick(sql: str, **params) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


QueuePosition = tuple[int, float, int]  # (priority, queue key, item id)


def _next_regular(*, project: Project, rater, membership: ProjectMembership | None) -> QueuePosition | None:
    """Lock the next regular item for this rater and return its queue position, or None when none is left.

    Head window first (priority order is kept for new and reopened items), then from the rater's queue
    position onward, and only then the full walk, so None is never returned while an item is available.
    """
    params = {"project": project.pk, "rater": rater.pk, "window": HEAD_WINDOW, "candidates": HEAD_CANDIDATES}
    row = _pick(_HEAD_SQL, **params)
    if row is None and membership is not None and membership.queue_item_id is not None:
        position = {
            "priority": membership.queue_priority,
            "key": membership.queue_key,
            "item": membership.queue_item_id,
        }
        row = _pick(_AFTER_SAME_PRIORITY_SQL, **params, **position) or _pick(
            _AFTER_LOWER_PRIORITY_SQL, **params, **position
        )
    if row is None:
        row = _pick(_NEXT_ITEM_SQL, **params)
    if row is None:
        return None
    item_id, priority, key = row
    return priority, key, item_id


def _is_further(position: QueuePosition, than: tuple[int | None, float | None, int | None]) -> bool:
    """Queue order is priority descending, then queue key and id ascending."""
    if than[2] is None or than[1] is None:
        return True
    return (-position[0], position[1], position[2]) > (-than[0], than[1], than[2])


@transaction.atomic
def assignment_lease_next(*, project: Project, rater) -> Assignment | None:
    """Lease the next task to this rater, or return the lease they already hold. None when nothing is left.

    Gold is served only while regular work remains for the rater: the regular pick always runs first, and with
    probability `gold_ratio` an unseen gold item is granted in its place (the regular item is just not granted).
    The gold pick runs whenever gold_ratio > 0 and both grants are one statement, so the two paths do the same
    database work and their response times do not tell them apart (docs/adr/0008-gold-stays-blind.md).
    """
    version = _refuse_if_blocked(project=project, rater=rater)
    # Serialise this rater's own requests on this project (two tabs, a retried request).
    membership = ProjectMembership.objects.select_for_update().filter(project=project, user=rater).first()

    now = timezone.now()
    held = list(
        Assignment.objects.select_related("item", "instruction_version")
        .filter(project=project, rater=rater, status=AssignmentStatus.LEASED)
        .order_by("-expires_at")
    )
    if held and held[0].expires_at > now:
        lease = held[0]
        if version is not None and lease.instruction_version_id != version.pk:
            # The rater acknowledged newer instructions while holding the lease: they see the task under those.
            Assignment.objects.filter(pk=lease.pk).update(instruction_version=version)
            lease.instruction_version = version
        return lease
    if held:  # this rater's own stale leases: end them now rather than waiting for beat
        _expire(now=now, limit=RECLAIM_BATCH, project_id=project.pk, rater_id=rater.pk)

    regular = _next_regular(project=project, rater=rater, membership=membership)
    if regular is None:
        return None
    item_id = regular[2]
    gold_id = None
    if project.gold_ratio > 0:
        row = _pick(_NEXT_GOLD_SQL, project=project.pk, rater=rater.pk, start=random.random())  # noqa: S311
        if row is not None and random.random() < project.gold_ratio:  # noqa: S311 - sampling; tests seed it
            gold_id = row[0]

    expires_at = now + timedelta(seconds=project.lease_seconds)
    granted = _pick(
        _GRANT_SQL,
        project=project.pk,
        item=gold_id or item_id,
        regular=item_id,
        take=0 if gold_id else 1,
        rater=rater.pk,
        version=version.pk if version else None,
        now=now,
        expires=expires_at,
    )
    if granted is None:  # the picks exclude every non-expired row of this rater, so this cannot happen
        raise RuntimeError(f"item {gold_id or item_id} is already held by rater {rater.pk}")
    if membership is not None:
        # One write on both paths; the position moves only past a regular item actually granted.
        current = (membership.queue_priority, membership.queue_key, membership.queue_item_id)
        moved = gold_id is None and _is_further(regular, current)
        priority, key, position_item = regular if moved else current
        ProjectMembership.objects.filter(pk=membership.pk).update(
            queue_priority=priority, queue_key=key, queue_item_id=position_item
        )
    return Assignment.objects.select_related("item", "instruction_version").get(pk=granted[0])


# Adaptive overlap's one slot statement (docs/adr/0014-adaptive-overlap.md), run after every submitted label
# with the item's row lock held (the submit's count update took it, so no lease of this item is in flight):
# open one more slot while the item is below target and under its maximum counting labels and live leases,
# or close what is open once it is done. Gold, exam and practice rows never change (they keep no slot
# count), but the statement runs for them too, so a gold submit does the same database work (ADR 0008).
_ADAPT_SQL = """
UPDATE labeling_item i SET slots_open = CASE WHEN %(open)s THEN i.slots_open + 1 ELSE 0 END
WHERE i.id = %(item)s AND NOT i.is_gold AND NOT i.is_exam AND NOT i.is_practice AND (
    (%(open)s AND i.slots_open = 0 AND i.annotation_count + (
        SELECT count(*) FROM labeling_assignment a WHERE a.item_id = i.id AND a.status = 'leased'
    ) < %(max)s)
    OR (%(close)s AND i.slots_open > 0)
)
RETURNING i.slots_open
"""


def slots_adapt(*, item_id: int, open_one: bool, close: bool, max_raters: int) -> bool:
    """Open one slot (never past `max_raters`) or close the open ones; True when a slot was opened.

    The caller holds the item's row lock (lock order assignment -> item, as in submit).
    """
    row = _pick(_ADAPT_SQL, item=item_id, open=open_one, close=close and not open_one, max=max_raters)
    return bool(open_one and row is not None)
