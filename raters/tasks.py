"""Celery tasks of the rater lifecycle: each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def close_finished_campaigns() -> int:
    from raters.services.recruitment import campaigns_close_finished

    return campaigns_close_finished()
