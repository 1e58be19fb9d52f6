"""Close a pay period into payout statements, topping pay up to the project's floor per hour."""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError

from config.exceptions import ApplicationError
from raters.selectors.payouts import amount_text
from raters.services.pay import pay_period_close


class Command(BaseCommand):
    help = "Close a pay period (idempotent): statements per rater, floor top-ups inside the budget."

    def add_arguments(self, parser) -> None:
        parser.add_argument("period", type=int, help="Pay period id")

    def handle(self, *args, **opts) -> None:
        try:
            result = pay_period_close(period_id=opts["period"], actor=None)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} ({exc.extra.get('code')})") from exc
        if result.already_closed:
            self.stdout.write(f"Period {result.period.pk} was already {result.period.state}; nothing written.")
        else:
            self.stdout.write(
                f"Period {result.period.pk} closed: {result.statements} statements, "
                f"{amount_text(result.top_up_cents)} {result.period.currency} in floor top-ups."
            )
