"""Celery tasks of the rater lifecycle: each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def close_finished_campaigns() -> int:
    from raters.services.recruitment import campaigns_close_finished

    return campaigns_close_finished()


@shared_task
def close_due_pay_periods() -> int:
    """Close the pay periods whose end has passed; safe to run twice at once (each close is idempotent)."""
    from raters.services.pay import pay_periods_close_due

    return len(pay_periods_close_due())
