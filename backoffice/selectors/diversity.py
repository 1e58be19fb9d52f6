"""Assemble the pool diversity page from the rater lifecycle's k-anonymous report."""

from __future__ import annotations

import time
from dataclasses import asdict

from django.utils import timezone

from backoffice.charts import bar_chart, fmt_percent
from backoffice.charts.base import PALETTE
from backoffice.selectors.common import Freshness, section_snapshot
from config.exceptions import ApplicationError
from labeling.models import Project
from raters.selectors.diversity import diversity_k, pool_diversity_report


def _title(attribute: str) -> str:
    return attribute.replace("_", " ").capitalize()


def diversity_page(*, project: Project, k: str | None = None) -> dict:
    """The precomputed report at the floor, or, when staff ask for a larger k, one computed now.

    A k below the floor raises the selector's refusal (400 `k_below_minimum`): the page cannot lower it.
    """
    if k not in (None, ""):
        started = time.perf_counter()
        report, error = asdict(pool_diversity_report(project=project, k=diversity_k(k))), None
        freshness = Freshness(
            section="diversity",
            computed_at=timezone.now(),
            compute_seconds=time.perf_counter() - started,
            project_id=project.pk,
        )
    else:
        data, freshness = section_snapshot(section="diversity", project=project)
        report, error = data.get("report"), data.get("error")
    if report:
        try:  # the floor holds for cached reports too (one computed under an older, lower setting is dropped)
            diversity_k(report.get("k"))
        except ApplicationError as exc:
            report, error = None, exc.message
    charts = []
    if report:
        for attribute in report["attributes"]:
            groups = attribute["groups"]
            labels = [g["value"] for g in groups]
            values = [g["raters"] for g in groups]
            colors = [PALETTE[0]] * len(groups)
            if attribute.get("other_or_not_stated"):
                labels.append("other / not stated")
                values.append(attribute["other_or_not_stated"])
                colors.append("#94a3b8")
            charts.append(
                {
                    "title": f"{_title(attribute['attribute'])}: raters per group",
                    "svg": bar_chart(
                        title=f"{_title(attribute['attribute'])}: raters per group",
                        labels=labels,
                        values=values,
                        colors=colors,
                        y_label="raters",
                    ),
                    "suppressed": attribute.get("suppressed_groups", 0),
                }
            )
            scored = [g for g in groups if g.get("agreement_with_consensus") is not None]
            if scored:
                charts.append(
                    {
                        "title": f"{_title(attribute['attribute'])}: agreement with consensus",
                        "svg": bar_chart(
                            title=f"{_title(attribute['attribute'])}: agreement with consensus",
                            labels=[g["value"] for g in scored],
                            values=[g["agreement_with_consensus"] for g in scored],
                            y_format=fmt_percent,
                            y_min=0,
                            y_max=1,
                            colors=[PALETTE[2]] * len(scored),
                        ),
                        "suppressed": 0,
                    }
                )
    return {
        "freshness": freshness,
        "error": error,
        "report": report,
        "k": (report or {}).get("k"),
        "attribute_charts": charts,
    }
