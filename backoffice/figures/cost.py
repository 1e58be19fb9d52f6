"""Heavy figures of the cost and throughput page: labels and resolutions per day, spend against budget."""

from __future__ import annotations

from django.db import connection

from labeling.dashboard.sources import call_safely, optional
from labeling.models import Annotation, Project, Resolution


def _daily(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ledger_per_day(project: Project) -> dict:
    """Spend per day from the rater earnings ledger, when the rater lifecycle part is installed."""
    try:
        from raters.models import EarningsEntry
    except ImportError:
        return {}
    rows = _daily(
        f"""SELECT (created_at AT TIME ZONE 'UTC')::date, sum(amount_cents) FROM {EarningsEntry._meta.db_table}
            WHERE project_id = %s GROUP BY 1""",
        [project.pk],
    )
    return {day: int(total) for day, total in rows}


def cost_figures(*, project: Project) -> dict:
    """Daily labels by source, daily resolutions, and an estimated spend from the project's pay rate."""
    labels = _daily(
        f"""SELECT (created_at AT TIME ZONE 'UTC')::date, source, count(*) FROM {Annotation._meta.db_table}
            WHERE project_id = %s GROUP BY 1, 2 ORDER BY 1""",
        [project.pk],
    )
    resolutions = _daily(
        f"""SELECT (created_at AT TIME ZONE 'UTC')::date, count(*) FILTER (WHERE NOT needs_adjudication),
                   count(*) FILTER (WHERE needs_adjudication)
            FROM {Resolution._meta.db_table}
            WHERE project_id = %s AND is_current GROUP BY 1 ORDER BY 1""",
        [project.pk],
    )
    days = sorted({row[0] for row in labels} | {row[0] for row in resolutions})
    sources = sorted({row[1] for row in labels})
    by_source = {source: {day: 0 for day in days} for source in sources}
    for day, source, n in labels:
        by_source[source][day] = n
    resolved = {day: 0 for day in days}
    pending = {day: 0 for day in days}
    for day, done, adjudicate in resolutions:
        resolved[day] = done
        pending[day] = adjudicate
    per_day_labels = [sum(by_source[s][d] for s in sources) for d in days]
    ledger = _ledger_per_day(project)
    if ledger:
        days = sorted(set(days) | set(ledger))
        for source in sources:
            by_source[source] = {d: by_source[source].get(d, 0) for d in days}
        resolved = {d: resolved.get(d, 0) for d in days}
        pending = {d: pending.get(d, 0) for d in days}
        per_day_labels = [sum(by_source[s][d] for s in sources) for d in days]
        spend_per_day = [ledger.get(d, 0) for d in days]
        spend_source = "ledger"
    else:
        spend_per_day = [n * project.pay_per_annotation_cents for n in per_day_labels]
        spend_source = "estimate"
    return {
        "days": [d.isoformat() for d in days],
        "labels_by_source": {s: [by_source[s][d] for d in days] for s in sources},
        "labels_per_day": per_day_labels,
        "resolved_per_day": [resolved[d] for d in days],
        "adjudication_per_day": [pending[d] for d in days],
        "spend_per_day_cents": spend_per_day,
        "spend_source": spend_source,
        "total_labels": sum(per_day_labels),
        "total_resolved": sum(resolved.values()),
        "budget": budget_figures(project=project, estimated_spend=sum(spend_per_day)),
    }


def budget_figures(*, project: Project, estimated_spend: int) -> dict:
    """Budget burned and left: the rater lifecycle's ledger report when it has entries, else the estimate."""
    report, error = call_safely(optional("raters.selectors.budget", "project_budget_report"), project=project)
    if report is not None and report.spent_cents:
        return {
            "source": "ledger",
            "budget": project.budget_cents,
            "spent": report.spent_cents,
            "committed": report.committed_cents,
            "remaining": report.remaining_cents,
            "resolved": report.resolved_labels,
            "per_resolved": report.cost_per_resolved_label_cents,
            "exhausted": report.exhausted,
            "error": None,
        }
    resolved = Resolution.objects.filter(project=project, is_current=True, label__isnull=False).count()
    return {
        "source": "estimate",
        "budget": project.budget_cents,
        "spent": estimated_spend,
        "committed": estimated_spend,
        "remaining": None if project.budget_cents is None else project.budget_cents - estimated_spend,
        "resolved": resolved,
        "per_resolved": estimated_spend / resolved if resolved else None,
        "exhausted": project.budget_cents is not None and estimated_spend >= project.budget_cents,
        "error": error,
    }
