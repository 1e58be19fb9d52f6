"""Export a closed pay period as a bulk-bonus file: build it, then mark the period exported, in one transaction."""

from __future__ import annotations

from django.db import transaction

from config.exceptions import ApplicationError
from raters.models import PayoutAccount, PayPeriod
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
    # The accounts the file is built from stay as read until the mark commits; a change waits, then finds
    # the period exported and is refused (payout_account_set).
    list(PayoutAccount.objects.select_for_update().filter(project_id=period.project_id).values_list("pk"))
    return payout_file(period=period, file_format=file_format)  # a refusal here rolls the mark back
