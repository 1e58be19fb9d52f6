"""Reads of leases."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from labeling.models import Assignment, AssignmentStatus, Project


def assignment_open_for_rater(*, project: Project, rater) -> Assignment | None:
    """The lease this rater holds on this project right now, if any."""
    return (
        Assignment.objects.select_related("item", "instruction_version")
        .filter(project=project, rater=rater, status=AssignmentStatus.LEASED, expires_at__gt=timezone.now())
        .order_by("leased_at")
        .first()
    )


def assignment_list_for_rater(*, rater, project: Project | None = None) -> QuerySet[Assignment]:
    assignments = Assignment.objects.filter(rater=rater).order_by("-leased_at")
    if project is not None:
        assignments = assignments.filter(project=project)
    return assignments
