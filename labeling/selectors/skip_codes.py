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
