"""`python manage.py erase_user USER_ID`: delete one end user's requests, feedback, labels and dataset rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from datasets.services.user_erasure import user_erase


class Command(BaseCommand):
    help = "Erase a (pseudonymous) user's requests, feedback events and direct labels, and their dataset rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("user_id")

    def handle(self, *args, **options) -> None:
        result = user_erase(user_id=options["user_id"])
        self.stdout.write("erased " + ", ".join(f"{k}={v}" for k, v in result.items()))
