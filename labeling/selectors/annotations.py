"""Reads of annotations. Blinding: a rater only ever sees their own, and only by task id."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from labeling.models import Annotation, MembershipStatus, ProjectMembership
from labeling.selectors.projects import REVIEWER_ROLES


def _reviewed_projects(*, user) -> QuerySet:
    return ProjectMembership.objects.filter(
        user=user, role__in=list(REVIEWER_ROLES), status=MembershipStatus.ACTIVE
    ).values("project_id")


def annotation_list_for_user(*, user, project_id: int | None = None) -> QuerySet[Annotation]:
    """Staff: all. Managers/reviewers: everything on their projects plus their own. Raters: their own."""
    annotations = Annotation.objects.select_related("instruction_version", "assignment").order_by("id")
    if project_id is not None:
        annotations = annotations.filter(project_id=project_id)
    if user.is_staff:
        return annotations
    return annotations.filter(Q(rater=user) | Q(project_id__in=_reviewed_projects(user=user)))


def annotation_projects_with_ids_for_user(*, user) -> set[int] | None:
    """Projects on which this user may see item, assignment and rater ids (None: every project, for staff).

    Elsewhere a user sees only their own annotations and only by task id: an item id would tell a rater
    which of their tasks came from the gold block.
    """
    if user.is_staff:
        return None
    return set(_reviewed_projects(user=user).values_list("project_id", flat=True))
