"""Export a closed pay period as a bulk-bonus file: build it, then mark the period exported, in one transaction."""

from __future__ import annotations

from django.db import transaction

from config.exceptions import ApplicationError
from raters.models import PayPeriod
from raters.selectors.payouts import FORMATS, PayoutFile, payout_file
from raters.services.pay import pay_period_mark_exported


@transaction.atomic
def payout_export(*, period_id: int, file_format: str, actor, again: bool = False) -> PayoutFile:
    """The file of a closed (or, with `again`, exported) period. Nothing is stored when it is refused."""
    if file_format not in FORMATS:
        raise ApplicationError(
            "The format is prolific or mturk.", extra={"code": "invalid_format", "allowed": sorted(FORMATS)}
        )
    period = pay_period_mark_exported(period_id=period_id, actor=actor, file_format=file_format, again=again)
    period = PayPeriod.objects.select_related("project").get(pk=period.pk)
    return payout_file(period=period, file_format=file_format)  # a refusal here rolls the mark back
