"""Export a closed pay period as a Prolific or MTurk bulk-bonus CSV and mark it exported."""

from __future__ import annotations

from pathlib import Path

from django.core.management import BaseCommand, CommandError

from config.exceptions import ApplicationError
from raters.selectors.payouts import FORMATS, amount_text
from raters.services.payouts import payout_export


class Command(BaseCommand):
    help = "Write the bulk-bonus CSV of a closed pay period (prolific: participant_id,amount; mturk: WorkerId,...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("period", type=int, help="Pay period id")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="file_format")
        parser.add_argument("--output", required=True, help="CSV file to write")
        parser.add_argument("--again", action="store_true", help="Write an already exported period's file again")

    def handle(self, *args, **opts) -> None:
        output = Path(opts["output"])
        if not output.parent.is_dir():
            raise CommandError(f"No folder {output.parent}.")
        try:
            file = payout_export(
                period_id=opts["period"], file_format=opts["file_format"], actor=None, again=opts["again"]
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} ({exc.extra.get('code')})") from exc
        output.write_text(file.content, encoding="utf-8")
        self.stdout.write(f"{output}: {file.lines} payments, {amount_text(file.total_cents)} {file.currency} in total.")
