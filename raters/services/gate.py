"""Whether a rater may receive a task on a project right now. Called by the assignment service.

Owned by the rater lifecycle (pause, qualification, budget). Returns a refusal reason or None.
"""

from __future__ import annotations

from labeling.models import MembershipStatus, Project, ProjectMembership
from raters.selectors.budget import project_budget_exhausted
from raters.services.budget import budget_lock


def rater_task_refusal(*, project: Project, user) -> tuple[str, str] | None:
    """Return (code, human message) when the rater must not get a task, else None."""
    if user is None or not user.is_authenticated:
        return ("not_authenticated", "Log in to receive tasks.")
    membership = ProjectMembership.objects.filter(project=project, user=user).first()
    if membership is None or membership.status == MembershipStatus.REMOVED:
        return ("not_a_member", "You are not a member of this project.")
    if membership.status == MembershipStatus.PAUSED:
        return ("paused", f"Your account is paused on this project: {membership.pause_reason}")
    if not membership.is_qualified:
        return ("not_qualified", "You have not qualified for this project yet.")
    if not project.is_active:
        return ("project_inactive", "This project is not taking labels at the moment.")
    if project.budget_cents is not None:
        budget_lock(project=project)  # held by the lease path until the lease is written
        if project_budget_exhausted(project=project, user=user):
            return ("budget_spent", "This project's budget is spent; no new tasks are handed out.")
    return None
