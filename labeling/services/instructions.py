"""Versioned instructions. Publishing adds a version; nothing is ever overwritten."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from config.exceptions import ApplicationError, NotFoundError
from labeling.models import InstructionAcknowledgement, InstructionVersion, Project
from labeling.selectors.instructions import instructions_current


@transaction.atomic
def instructions_publish(*, project: Project, body: str, created_by=None, change_note: str = "") -> InstructionVersion:
    """Add version N+1. The project row lock serialises concurrent publishes; the unique key backs it up."""
    if not isinstance(body, str) or not body.strip():
        raise ApplicationError(
            "Instructions cannot be empty.", extra={"code": "empty_instructions", "fields": {"body": "Required."}}
        )
    Project.objects.select_for_update().filter(pk=project.pk).first()
    latest = InstructionVersion.objects.filter(project=project).aggregate(n=Max("version"))["n"] or 0
    return InstructionVersion.objects.create(
        project=project, version=latest + 1, body=body, change_note=change_note[:300], created_by=created_by
    )


@transaction.atomic
def instructions_acknowledge(*, project: Project, user) -> InstructionAcknowledgement:
    """Acknowledge the current version (idempotent)."""
    current = instructions_current(project=project)
    if current is None:
        raise NotFoundError("This project has no instructions to acknowledge.", extra={"code": "no_instructions"})
    ack, _ = InstructionAcknowledgement.objects.get_or_create(instruction_version=current, user=user)
    return ack
