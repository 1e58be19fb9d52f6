"""Reads of the staff setup pages: a project's setup checklist, its campaigns, members and instructions diff."""

from __future__ import annotations

import difflib

from django.db.models import Count, Q

from datasets.models import Dataset, DatasetVersion
from labeling.models import InstructionVersion, Item, Project, ProjectMembership, Resolution
from labeling.selectors.instructions import instructions_current
from labeling.selectors.rater_model import machine_rater_status
from raters.markup import render_markdown
from raters.models import RecruitmentCampaign


def project_items_count(*, project: Project) -> dict[str, int]:
    """Items by kind: regular (the queue), gold mixed into it, exam questions, practice items."""
    return Item.objects.filter(project=project).aggregate(
        regular=Count("id", filter=Q(is_gold=False, is_exam=False, is_practice=False)),
        gold=Count("id", filter=Q(is_gold=True, is_exam=False, is_practice=False)),
        exam=Count("id", filter=Q(is_exam=True)),
        practice=Count("id", filter=Q(is_practice=True)),
    )


def project_setup_overview(*, project: Project) -> dict:
    """What is set up and what is missing, in the order a new project needs it."""
    items = project_items_count(project=project)
    current = instructions_current(project=project)
    resolutions = Resolution.objects.filter(project=project, is_current=True).aggregate(
        n=Count("id"), queue=Count("id", filter=Q(needs_adjudication=True))
    )
    return {
        "items": items,
        "instructions": current,
        "campaigns": RecruitmentCampaign.objects.filter(project=project).count(),
        "members": ProjectMembership.objects.filter(project=project).exclude(status="removed").count(),
        "annotations": project.annotations.count(),
        "resolved": resolutions["n"],
        "queue": resolutions["queue"],
        "datasets": list(Dataset.objects.filter(projects=project).order_by("name").values_list("name", flat=True)),
        "model": machine_rater_status(project=project),
    }


def instructions_diff(*, project: Project, body: str) -> dict:
    """The draft rendered as raters will read it (their own renderer) and its line diff to the current version."""
    current = instructions_current(project=project)
    old = current.body if current else ""
    lines = list(
        difflib.unified_diff(
            old.splitlines(),
            body.splitlines(),
            fromfile=f"v{current.version}" if current else "(none)",
            tofile="draft",
            lineterm="",
        )
    )
    rows = []
    for line in lines:
        kind = (
            "meta"
            if line.startswith(("---", "+++", "@@"))
            else "add"
            if line[:1] == "+"
            else "del"
            if line[:1] == "-"
            else "same"
        )
        rows.append({"kind": kind, "text": line})
    return {
        "preview": render_markdown(body),
        "current": current,
        "rows": rows,
        "changed": bool(lines),
        "next_version": (current.version if current else 0) + 1,
    }


def instruction_versions(*, project: Project) -> list[InstructionVersion]:
    return list(InstructionVersion.objects.filter(project=project).order_by("-version")[:20])


def project_campaigns(*, project: Project) -> list[RecruitmentCampaign]:
    return list(
        RecruitmentCampaign.objects.filter(project=project)
        .prefetch_related("invites")
        .annotate(application_count=Count("applications"))
        .order_by("-created_at")
    )


def project_members(*, project: Project) -> list[ProjectMembership]:
    return list(
        ProjectMembership.objects.filter(project=project)
        .select_related("user")
        .order_by("status", "role", "user__username")
    )


def datasets_setup_page() -> list[dict]:
    """Every dataset with its sources and versions (newest first), for the define / build / download page."""
    out = []
    for dataset in Dataset.objects.prefetch_related("projects").order_by("name"):
        versions = list(DatasetVersion.objects.filter(dataset=dataset).order_by("-number"))
        out.append({"dataset": dataset, "projects": list(dataset.projects.all()), "versions": versions})
    return out
