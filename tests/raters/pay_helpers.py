"""Test helpers for pay: work with exact server times, and periods around it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from labeling.models import Assignment, AssignmentStatus
from labeling.services.annotations import annotation_submit, assignment_skip
from labeling.services.assignment import assignment_lease_next
from raters.services.pay import pay_period_open


def work(project, rater, *, seconds: float, skip: bool = False, claimed_ms: int | None = None) -> Assignment:
    """Lease a task and close it as if the server had seen `seconds` between the lease and the close.

    The lease is moved back by `seconds` before the real submit (the server measures from `leased_at`),
    then both ends are pinned so the hand-computed figure is exact to the millisecond.
    """
    lease = assignment_lease_next(project=project, rater=rater)
    assert lease is not None, "no task left"
    now = timezone.now()
    leased_at = now - timedelta(seconds=seconds)
    Assignment.objects.filter(pk=lease.pk).update(
        leased_at=leased_at, expires_at=leased_at + timedelta(seconds=project.lease_seconds)
    )
    if skip:
        assignment_skip(assignment_id=lease.pk, rater=rater, reason="unclear")
    else:
        value = lease.item.gold_value if lease.item.is_gold else "neutral"
        annotation_submit(assignment_id=lease.pk, rater=rater, value=value, time_spent_ms=claimed_ms)
    Assignment.objects.filter(pk=lease.pk).update(closed_at=leased_at + timedelta(seconds=seconds))
    lease.refresh_from_db()
    return lease


def expire_idle(project, rater, *, idle_seconds: float) -> Assignment:
    """Lease a task and let it expire unanswered; optionally skip it afterwards."""
    lease = assignment_lease_next(project=project, rater=rater)
    start = timezone.now() - timedelta(seconds=idle_seconds)
    Assignment.objects.filter(pk=lease.pk).update(
        leased_at=start,
        expires_at=start + timedelta(seconds=project.lease_seconds),
        status=AssignmentStatus.EXPIRED,
        closed_at=start + timedelta(seconds=project.lease_seconds),
    )
    lease.refresh_from_db()
    return lease


def period_until_now(project, *, hours: float = 2) -> tuple:
    """A period that started `hours` ago and ends now (so it can be closed at once)."""
    end: datetime = timezone.now()
    return pay_period_open(project=project, starts_at=end - timedelta(hours=hours), ends_at=end)
