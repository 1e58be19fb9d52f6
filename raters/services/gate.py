"""Whether a rater may receive a task on a project right now. Called by the assignment service.

Owned by the rater lifecycle (pause, qualification, budget). Returns a refusal reason or None.
"""

from __future__ import annotations

from labeling.models import MembershipStatus, Project, ProjectMembership


def rater_task_refusal(*, project: Project, user) -> tuple[str, str] | None:
    """Return (code, human message) when the rater must not get a task, else None."""
    membership = ProjectMembership.objects.filter(project=project, user=user).first()
    if membership is None or membership.status == MembershipStatus.REMOVED:
        return ("not_a_member", "You are not a member of this project.")
    if membership.status == MembershipStatus.PAUSED:
        return ("paused", f"Your account is paused on this project: {membership.pause_reason}")
    if not membership.is_qualified:
        return ("not_qualified", "You have not qualified for this project yet.")
    return None
