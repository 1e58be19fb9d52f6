"""The rater's next task: a lease they hold, else a rework of a rejected label, else a new lease.

Rework comes before new work so a rejection is corrected while the rater still remembers the item; a lease
already on screen is finished first. New leases are the assignment service's business alone.
"""

from __future__ import annotations

from django.utils import timezone

from labeling.models import Assignment, AssignmentStatus, Project
from labeling.selectors.review import rework_open
from labeling.services.assignment import _refuse_if_blocked, assignment_lease_next
from labeling.services.rework import ReworkTask, rework_serve


def task_next(*, project: Project, rater) -> Assignment | ReworkTask | None:
    """What the next-task endpoint and the label page serve. Refusals are the assignment service's."""
    holding = Assignment.objects.filter(
        project=project, rater=rater, status=AssignmentStatus.LEASED, expires_at__gt=timezone.now()
    ).exists()
    if not holding and rework_open(project=project, rater=rater) is not None:
        _refuse_if_blocked(project=project, rater=rater)  # a paused rater gets no rework either
        rework = rework_serve(project=project, rater=rater)
        if rework is not None:
            return rework
    return assignment_lease_next(project=project, rater=rater)
