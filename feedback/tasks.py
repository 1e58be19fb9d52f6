"""Celery tasks: call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def close_due_windows() -> dict[str, int]:
    from feedback.services.windows import windows_close_due

    outcome = windows_close_due()
    return {
        "closed": outcome.closed,
        "negatives": outcome.negatives,
        "orphan_events": outcome.orphan_events,
        "held_by_watermark": outcome.held,
    }


@shared_task
def estimate_delay_distributions() -> int:
    from feedback.services.delays import delay_distributions_estimate

    return len(delay_distributions_estimate())
