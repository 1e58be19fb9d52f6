"""Ledger spend over time: what the earnings ledger paid out on a project, per UTC day."""

from __future__ import annotations

from datetime import UTC, date

from django.db.models import Sum
from django.db.models.functions import TruncDate

from labeling.models import Project
from raters.models import EarningsEntry


def project_spend_per_day(*, project: Project) -> dict[date, int]:
    """Cents paid per UTC day; the days sum to raters.selectors.budget.project_spent_cents."""
    rows = (
        EarningsEntry.objects.filter(project=project)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(total=Sum("amount_cents"))
        .values_list("day", "total")
    )
    return {day: int(total) for day, total in rows}
