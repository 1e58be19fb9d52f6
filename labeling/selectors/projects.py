"""Who may see and manage which project."""

from __future__ import annotations

from django.db.models import QuerySet

from config.exceptions import NotFoundError
from labeling.models import MembershipStatus, Project, ProjectMembership, Role

MANAGER_ROLES = {Role.MANAGER}
REVIEWER_ROLES = {Role.MANAGER, Role.REVIEWER}


def project_list_for_user(*, user) -> QuerySet[Project]:
    """Staff see every project; anyone else only the projects they are a (not removed) member of."""
    projects = Project.objects.order_by("id")
    if user.is_staff:
        return projects
    return projects.filter(
        memberships__user=user, memberships__status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED]
    )


def project_get_for_user(*, project_id: int, user) -> Project:
    """The project if the user may see it; otherwise 404, so its existence does not leak."""
    project = project_list_for_user(user=user).filter(pk=project_id).first()
    if project is None:
        raise NotFoundError("No such project.", extra={"code": "project_not_found"})
    return project


def membership_for(*, project: Project, user) -> ProjectMembership | None:
    return ProjectMembership.objects.filter(project=project, user=user).exclude(status=MembershipStatus.REMOVED).first()


def project_role(*, project: Project, user) -> str | None:
    membership = membership_for(project=project, user=user)
    return membership.role if membership else None


def user_can_manage(*, project: Project, user) -> bool:
    """Staff, or an active manager of this project."""
    if user.is_staff:
        return True
    membership = membership_for(project=project, user=user)
    return membership is not None and membership.status == MembershipStatus.ACTIVE and membership.role in MANAGER_ROLES


def user_can_review(*, project: Project, user) -> bool:
    """Staff, or an active manager or reviewer of this project: may read every rater's work on it."""
    if user.is_staff:
        return True
    membership = membership_for(project=project, user=user)
    return membership is not None and membership.status == MembershipStatus.ACTIVE and membership.role in REVIEWER_ROLES


def membership_list(*, project: Project) -> QuerySet[ProjectMembership]:
    return ProjectMembership.objects.filter(project=project).select_related("user").order_by("id")
