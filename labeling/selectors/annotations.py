"""Reads of annotations. Blinding: a rater only ever sees their own."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from labeling.models import Annotation, MembershipStatus, ProjectMembership
from labeling.selectors.projects import REVIEWER_ROLES


def annotation_list_for_user(*, user, project_id: int | None = None) -> QuerySet[Annotation]:
    """Staff: all. Managers/reviewers: everything on their projects plus their own. Raters: their own."""
    annotations = Annotation.objects.select_related("instruction_version").order_by("id")
    if project_id is not None:
        annotations = annotations.filter(project_id=project_id)
    if user.is_staff:
        return annotations
    reviewed = ProjectMembership.objects.filter(
        user=user, role__in=list(REVIEWER_ROLES), status=MembershipStatus.ACTIVE
    ).values("project_id")
    return annotations.filter(Q(rater=user) | Q(project_id__in=reviewed))
