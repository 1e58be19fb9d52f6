"""Project spend against its budget, and the cost per resolved label."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from labeling.models import Assignment, AssignmentStatus, Project, Resolution
from raters.models import EarningsEntry


def project_spent_cents(*, project: Project) -> int:
    return EarningsEntry.objects.filter(project=project).aggregate(total=Sum("amount_cents"))["total"] or 0


def project_open_leases(*, project: Project, exclude_user=None) -> int:
    qs = Assignment.objects.filter(project=project, status=AssignmentStatus.LEASED)
    if exclude_user is not None:
        qs = qs.exclude(rater=exclude_user)
    return qs.count()


def _spent_and_open_leases(*, project: Project) -> tuple[int, int]:
    """Both figures from ONE statement, so they come from one snapshot.

    Two queries could straddle a concurrent submit's commit (the lease no longer open, its pay not yet
    seen) and miss that annotation entirely, letting the budget overshoot by one.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT COALESCE(SUM(amount_cents), 0) FROM raters_earningsentry WHERE project_id = %(p)s),
              (SELECT COUNT(*) FROM labeling_assignment WHERE project_id = %(p)s AND status = %(leased)s)
            """,
            {"p": project.pk, "leased": AssignmentStatus.LEASED},
        )
        spent, leases = cursor.fetchone()
    return int(spent), int(leases)


def project_budget_exhausted(*, project: Project, user=None) -> bool:
    """True when handing out one more task could spend past the budget.

    Open leases are counted as already committed, so concurrent raters cannot overshoot the budget by
    finishing leases they took while money was left. A rater's own open lease is already reserved.
    """
    if project.budget_cents is None:
        return False
    pay = project.pay_per_annotation_cents
    if user is not None:
        own = Assignment.objects.filter(project=project, rater=user, status=AssignmentStatus.LEASED)
        if own.exists():
            return False
    spent, open_leases = _spent_and_open_leases(project=project)
    if pay == 0:
        return spent >= project.budget_cents
    return spent + pay * open_leases + pay > project.budget_cents


@dataclass(frozen=True)
class BudgetReport:
    budget_cents: int | None
    spent_cents: int
    committed_cents: int
    remaining_cents: int | None
    paid_annotations: int
    resolved_labels: int
    cost_per_resolved_label_cents: float | None
    exhausted: bool


def project_budget_report(*, project: Project) -> BudgetReport:
    spent = project_spent_cents(project=project)
    committed = spent + project.pay_per_annotation_cents * project_open_leases(project=project)
    resolved = Resolution.objects.filter(project=project, is_current=True, label__isnull=False).count()
    return BudgetReport(
        budget_cents=project.budget_cents,
        spent_cents=spent,
        committed_cents=committed,
        remaining_cents=None if project.budget_cents is None else project.budget_cents - spent,
        paid_annotations=EarningsEntry.objects.filter(project=project, kind="annotation").count(),
        resolved_labels=resolved,
        cost_per_resolved_label_cents=(spent / resolved) if resolved else None,
        exhausted=project_budget_exhausted(project=project),
    )
