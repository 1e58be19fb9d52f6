"""Reads of versioned instructions."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from labeling.models import InstructionAcknowledgement, InstructionVersion, Project


def instructions_current(*, project: Project) -> InstructionVersion | None:
    return InstructionVersion.objects.filter(project=project).order_by("-version").first()


def instructions_current_for_user(*, project: Project, user) -> InstructionVersion | None:
    """The current version with `acknowledged` set for this user, in one query (it is on every lease)."""
    acks = InstructionAcknowledgement.objects.filter(instruction_version=OuterRef("pk"), user=user)
    return (
        InstructionVersion.objects.filter(project=project)
        .annotate(acknowledged=Exists(acks))
        .order_by("-version")
        .first()
    )


def instructions_acknowledged(*, project: Project, user) -> bool:
    """True when the user acknowledged the current version, or when the project has no instructions."""
    current = instructions_current_for_user(project=project, user=user)
    return current is None or current.acknowledged


def instructions_list(*, project: Project) -> QuerySet[InstructionVersion]:
    return InstructionVersion.objects.filter(project=project).order_by("-version")
