"""Per-annotation quality control and pay. Called by the annotation service inside its transaction."""

from __future__ import annotations


def quality_after_annotation(*, annotation) -> None:
    """Hook for gold scoring, pause rules and the earnings ledger (rater lifecycle)."""
    return None
