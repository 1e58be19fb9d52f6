"""Test helper: a rater who looked at a task for a while, without the test waiting that long."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from labeling.models import Annotation, Assignment
from labeling.services.annotations import annotation_submit


def submit_after(assignment: Assignment, *, rater, value, ms: int, **options) -> Annotation:
    """Submit as if `ms` had passed since the lease was granted.

    The server measures time spent from the lease's `leased_at`, so the lease is moved back by `ms`; the
    client's own figure is sent too (as a real client would), and is ignored by every rule.
    """
    Assignment.objects.filter(pk=assignment.pk).update(leased_at=timezone.now() - timedelta(milliseconds=ms))
    return annotation_submit(assignment_id=assignment.pk, rater=rater, value=value, time_spent_ms=ms, **options)
