"""Celery tasks: call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def purge_dead_letters() -> int:
    from ingestion.dead_letters import dead_letters_purge

    return dead_letters_purge()
