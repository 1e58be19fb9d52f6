"""Project bans: the one write path for ProjectBan. Memberships are removed by `membership_remove`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, NotFoundError
from labeling.models import Project
from raters.models import ProjectBan
from raters.selectors.bans import email_normalize


@transaction.atomic
def project_ban_create(*, project: Project, user, reason: str = "", actor=None) -> ProjectBan:
    """Idempotent: a person already banned keeps the ban in force (and its original reason)."""
    existing = ProjectBan.objects.select_for_update().filter(project=project, user=user, lifted_at__isnull=True).first()
    if existing is not None:
        return existing
    return ProjectBan.objects.create(
        project=project,
        user=user,
        email_normalized=email_normalize(user.email),
        reason=(reason or "").strip()[:2000],
        banned_by=actor,
    )


@transaction.atomic
def project_ban_lift(*, project: Project, ban_id: int, actor, reason: str) -> ProjectBan:
    """Staff let the person back in; the row stays as history with who lifted it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why the ban is lifted.", extra={"code": "reason_required"})
    ban = ProjectBan.objects.select_for_update().filter(pk=ban_id, project=project).first()
    if ban is None:
        raise NotFoundError("No such ban.", extra={"code": "ban_not_found"})
    if ban.lifted_at is not None:
        raise ConflictError("This ban is already lifted.", extra={"code": "ban_already_lifted"})
    ban.lifted_at = timezone.now()
    ban.lifted_by = actor
    ban.lift_reason = reason[:2000]
    ban.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return ban
