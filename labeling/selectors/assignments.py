"""Reads of leases: the rater's handle on a task, and how much work is left for a rater."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from config.exceptions import NotFoundError
from labeling.models import Assignment, AssignmentStatus, Project

# What is left for a rater: regular items they could still be served (counted up to a cap, on the queue
# index), gold items they do not hold and have not done, and whether they hold a live lease. Both counts
# use the rule the lease service picks by (a non-expired row of this rater excludes the item), so any task,
# gold or regular, takes exactly one off their sum.
_LEFT_SQL = """
SELECT
    (SELECT count(*) FROM (
        SELECT 1 FROM labeling_item i
        WHERE i.project_id = %(project)s
          AND i.slots_open > 0 AND NOT i.is_gold AND NOT i.is_exam AND NOT i.is_practice
          AND NOT EXISTS (
              SELECT 1 FROM labeling_assignment a
              WHERE a.item_id = i.id AND a.rater_id = %(rater)s AND a.status <> 'expired'
          )
        LIMIT %(cap)s
    ) regular),
    (SELECT count(*) FROM labeling_item i
     WHERE i.project_id = %(project)s AND i.is_gold AND NOT i.is_exam AND NOT i.is_practice
       AND NOT EXISTS (
           SELECT 1 FROM labeling_assignment a
           WHERE a.item_id = i.id AND a.rater_id = %(rater)s AND a.status <> 'expired'
       )),
    EXISTS (
        SELECT 1 FROM labeling_assignment a
        WHERE a.project_id = %(project)s AND a.rater_id = %(rater)s AND a.status = 'leased'
          AND a.expires_at > %(now)s
    )
"""
LEFT_CAP = 1000


@dataclass(frozen=True)
class WorkLeft:
    """`tasks` (the held task included) is a function of regular + gold only, so it never tells the two apart.

    Capped at LEFT_CAP, so a large project costs a bounded walk.
    """

    tasks: int
    capped: bool
    regular_available: bool
    holding: bool

    @property
    def all_done(self) -> bool:
        return not self.regular_available and not self.holding


def work_left_for_rater(*, project: Project, rater) -> WorkLeft:
    """What is left for this rater on this project (ADR 0008: the meter moves by one per task of either kind)."""
    with connection.cursor() as cursor:
        cursor.execute(_LEFT_SQL, {"project": project.pk, "rater": rater.pk, "cap": LEFT_CAP, "now": timezone.now()})
        regular, gold, holding = cursor.fetchone()
    total = regular + gold + int(holding)  # the task on screen is still to do
    return WorkLeft(
        tasks=min(total, LEFT_CAP), capped=total >= LEFT_CAP, regular_available=regular > 0, holding=holding
    )


def assignment_for_task(*, task_id: str, rater) -> Assignment:
    """The rater's own assignment behind a task id. Unknown, malformed and someone else's are the same 404."""
    try:
        key = uuid.UUID(str(task_id))
    except (ValueError, AttributeError):
        key = None
    assignment = (
        Assignment.objects.filter(task_id=key, rater=rater).select_related("item", "instruction_version").first()
        if key is not None
        else None
    )
    if assignment is None:
        raise NotFoundError("No such task.", extra={"code": "task_not_found"})
    return assignment


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
