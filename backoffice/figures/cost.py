"""Heavy figures of the cost and throughput page: labels and resolutions per day, spend against budget.

Spend comes only from the earnings ledger (raters.selectors.spend, raters.selectors.budget): there is
no estimate from the pay rate, so the page and the budget gate read the same money.
"""

from __future__ import annotations

from dataclasses import asdict

from django.db import connection

from labeling.models import Annotation, Item, Project, Resolution
from labeling.selectors.crowd_items import NON_CROWD_SQL
from raters.selectors.budget import project_budget_report
from raters.selectors.spend import project_spend_per_day


def _daily(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def budget_figures(*, project: Project) -> dict:
    """The rater lifecycle's budget report, with the short names the page uses."""
    report = project_budget_report(project=project)
    return {
        **asdict(report),
        "budget": report.budget_cents,
        "spent": report.spent_cents,
        "committed": report.committed_cents,
        "remaining": report.remaining_cents,
        "resolved": report.resolved_labels,
        "per_resolved": report.cost_per_resolved_label_cents,
    }


def cost_figures(*, project: Project) -> dict:
    """Daily labels by source, daily resolutions, and the ledger's spend per day."""
    labels = _daily(
        f"""SELECT (created_at AT TIME ZONE 'UTC')::date, source, count(*) FROM {Annotation._meta.db_table}
            WHERE project_id = %s GROUP BY 1, 2 ORDER BY 1""",
        [project.pk],
    )
    resolutions = _daily(
        f"""SELECT (created_at AT TIME ZONE 'UTC')::date, count(*) FILTER (WHERE NOT needs_adjudication),
                   count(*) FILTER (WHERE needs_adjudication)
            FROM {Resolution._meta.db_table}
            WHERE project_id = %s AND is_current
              AND item_id NOT IN (SELECT id FROM {Item._meta.db_table} WHERE project_id = %s AND {NON_CROWD_SQL})
            GROUP BY 1 ORDER BY 1""",
        [project.pk, project.pk],
    )
    spend = project_spend_per_day(project=project)
    days = sorted({row[0] for row in labels} | {row[0] for row in resolutions} | set(spend))
    sources = sorted({row[1] for row in labels})
    by_source = {source: dict.fromkeys(days, 0) for source in sources}
    for day, source, n in labels:
        by_source[source][day] = n
    resolved = dict.fromkeys(days, 0)
    pending = dict.fromkeys(days, 0)
    for day, done, adjudicate in resolutions:
        resolved[day] = done
        pending[day] = adjudicate
    per_day_labels = [sum(by_source[s][d] for s in sources) for d in days]
    return {
        "days": [d.isoformat() for d in days],
        "labels_by_source": {s: [by_source[s][d] for d in days] for s in sources},
        "labels_per_day": per_day_labels,
        "resolved_per_day": [resolved[d] for d in days],
        "adjudication_per_day": [pending[d] for d in days],
        "spend_per_day_cents": [spend.get(d, 0) for d in days],
        "total_labels": sum(per_day_labels),
        "total_resolved": sum(resolved.values()),
        "budget": budget_figures(project=project),
    }
