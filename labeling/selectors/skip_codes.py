"""The skip reasons a rater picks from on a project: the project's codes, or the defaults, and always "other"."""

from __future__ import annotations

from labeling.models import Project

OTHER = "other"
DEFAULT_SKIP_REASONS = [
    {"code": "unclear", "label": "The instructions do not cover it"},
    {"code": "broken", "label": "The item is broken or empty"},
    {"code": "unsure", "label": "I cannot tell"},
]


def skip_reasons_for(*, project: Project) -> list[dict[str, str]]:
    """Codes in the order the rater sees them; "other" (with a text) is last and always present."""
    reasons = [dict(r) for r in (project.skip_reasons or DEFAULT_SKIP_REASONS) if r.get("code") != OTHER]
    return [*reasons, {"code": OTHER, "label": "Other (say why)"}]


def skip_code_counts(*, project: Project) -> list[tuple[str, str, int]]:
    """(code, label, skips) for every code offered, then any code no longer offered that was used."""
    from django.db.models import Count

    from labeling.models import Assignment, AssignmentStatus

    used = dict(
        Assignment.objects.filter(project=project, status=AssignmentStatus.SKIPPED)
        .values_list("skip_code")
        .annotate(n=Count("id"))
        .values_list("skip_code", "n")
    )
    used[OTHER] = used.get(OTHER, 0) + used.pop("", 0)  # skips from before codes existed were free text
    offered = skip_reasons_for(project=project)
    rows = [(r["code"], r["label"], used.pop(r["code"], 0)) for r in offered]
    return rows + [(code, code, n) for code, n in sorted(used.items())]
