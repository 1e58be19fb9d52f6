"""What a rater sees about their own work: my projects, my stats, my earnings."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from labeling.models import Annotation, MembershipStatus, Project, ProjectMembership, Role
from labeling.selectors.assignments import work_left_for_rater
from raters.models import EarningsEntry
from raters.selectors.onboarding import rater_next_step
from raters.selectors.quality import rater_metrics, rater_settled_gold


def rater_memberships(*, user) -> QuerySet[ProjectMembership]:
    return (
        ProjectMembership.objects.filter(user=user, role=Role.RATER)
        .exclude(status=MembershipStatus.REMOVED)
        .select_related("project")
        .order_by("project__name")
    )


def rater_projects(*, user) -> list[dict]:
    done = dict(
        Annotation.objects.filter(rater=user)
        .values("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    return [
        {
            "project": m.project,
            "membership": m,
            "next_step": rater_next_step(project=m.project, user=user),
            "tasks_done": done.get(m.project_id, 0),
        }
        for m in rater_memberships(user=user)
    ]


def rater_project_progress(*, project: Project, user) -> dict:
    """The rater's meter: tasks done, tasks left, and "all done" once no regular work is left for them.

    Every task, gold or regular, adds one to `done` and takes one off `left` (see `work_left_for_rater`),
    so the meter never says which task was gold. The web page and the API both show this dict.
    """
    done = Annotation.objects.filter(project=project, rater=user, assignment__isnull=False).count()
    work = work_left_for_rater(project=project, rater=user)
    left = 0 if work.all_done else work.tasks
    total = done + left
    return {
        "done": done,
        "left": left,
        "left_capped": work.capped and not work.all_done,
        "total": total,
        "percent": 100 if work.all_done else (min(99, round(100 * done / total)) if total else 0),
        "all_done": work.all_done,
    }


def rater_stats(*, user) -> dict:
    """Per project: tasks done, gold accuracy, median time, earnings, pause status and reason."""
    earnings = dict(
        EarningsEntry.objects.filter(user=user)
        .values("project_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("project_id", "total")
    )
    rows = []
    for m in rater_memberships(user=user):
        metrics = rater_metrics(project=m.project, user=user)
        gold = rater_settled_gold(project=m.project, user=user)
        rows.append(
            {
                "project": m.project,
                "membership": m,
                "tasks_done": metrics.answers,
                # Settled per block of tasks, so the figure never tells which item was gold.
                "gold_accuracy": gold["gold_accuracy"],
                "gold_answered": gold["gold_answered"],
                "gold_block": gold["block"],
                "median_seconds": metrics.median_seconds,
                "earnings_cents": earnings.get(m.project_id, 0),
            }
        )
    return {
        "projects": rows,
        "tasks_done": sum(r["tasks_done"] for r in rows),
        "earnings_cents": sum(earnings.values()),
    }


def rater_ledger(*, user, limit: int = 50) -> QuerySet[EarningsEntry]:
    return EarningsEntry.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")[:limit]
