"""Payloads of the raters part's outbox events (docs/webhooks.md); one call each from the service that acts."""

from __future__ import annotations

from config.outbox.services import event_emit
from labeling.models import Project
from raters.models import RaterApplication
from raters.selectors.budget import project_budget_exhausted, project_budget_report


def rater_paused_emit(*, project: Project, user, reason: str, metrics: dict | None, actor) -> None:
    event_emit(
        "rater.paused",
        {
            "project_id": project.pk,
            "rater_id": user.pk,
            "reason": reason,
            "metrics": metrics or {},
            "automatic": actor is None,
        },
        project_id=project.pk,
    )


def application_submitted_emit(*, application: RaterApplication, project: Project | None) -> None:
    event_emit(
        "rater.application_submitted",
        {
            "application_id": application.pk,
            "campaign_id": application.campaign_id,
            "project_id": project.pk if project is not None else None,
            "user_id": application.user_id,
            "status": application.status,
        },
        project_id=project.pk if project is not None else None,
    )


def budget_exhausted_check(*, project: Project) -> None:
    """`project.budget_exhausted` once per budget figure, when the budget cannot cover one more task."""
    if not project_budget_exhausted(project=project):  # no query for a project without a budget
        return
    report = project_budget_report(project=project)
    event_emit(
        "project.budget_exhausted",
        {
            "project_id": project.pk,
            "budget_cents": report.budget_cents,
            "spent_cents": report.spent_cents,
            "reserved_cents": report.reserved_cents,
            "next_task_cost_cents": report.next_task_cost_cents,
        },
        project_id=project.pk,
        dedupe_key=f"project.budget_exhausted:{project.pk}:{report.budget_cents}",
    )
