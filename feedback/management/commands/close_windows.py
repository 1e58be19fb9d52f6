"""`python manage.py close_windows`: what the beat task does, by hand (closes due windows, marks orphans)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from feedback.services.windows import windows_close_due


class Command(BaseCommand):
    help = "Close attribution windows whose window + grace has passed (negative labels) and mark orphans."

    def handle(self, *args, **options) -> None:
        outcome = windows_close_due()
        self.stdout.write(
            f"closed {outcome.closed} windows, {outcome.negatives} negative labels, {outcome.orphan_events} orphans;"
            f" {outcome.held} past their deadline held until the consumer's watermark"
            f" ({outcome.watermark.isoformat() if outcome.watermark else 'unknown'}) passes them"
        )
