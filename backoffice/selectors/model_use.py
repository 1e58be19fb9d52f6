"""The quality page's model panel: do raters keep the model's suggestion more than they would unshown,
and what the active-learning streams spent. Figures from `labeling.selectors.predictions` only."""

from __future__ import annotations

from scipy.stats import binomtest

from backoffice.charts import bar_chart, fmt_percent
from labeling.models import ActiveLearning, Project
from labeling.selectors.model_settings import model_settings_get
from labeling.selectors.predictions import active_learning_streams, prediction_counts, suggestion_keep_rates


def _wilson(kept: int, n: int) -> tuple[float, float] | None:
    if not n:
        return None
    interval = binomtest(kept, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def model_use_panel(*, project: Project) -> dict | None:
    """None when the project has no predictions: the page then shows nothing about models."""
    counts = prediction_counts(project=project)
    if not counts:
        return None
    settings = model_settings_get(project=project)
    rates = suggestion_keep_rates(project=project)
    arms = [("shown", "shown"), ("control", "control")]
    keep_chart = bar_chart(
        title="Annotations equal to the model's suggestion (95% Wilson CI)",
        labels=[label for _, label in arms],
        values=[rates[key]["share"] for key, _ in arms],
        errors=[_wilson(rates[key]["equal_to_suggestion"], rates[key]["annotations"]) for key, _ in arms],
        notes=[f"{rates[key]['annotations']:,} annotations" for key, _ in arms],
        y_format=fmt_percent,
        y_min=0,
        y_max=1,
        y_label="equal to suggestion",
    )
    streams = active_learning_streams(project=project)
    stream_chart = bar_chart(
        title="Annotations spent per queue stream",
        labels=[row["stream"] for row in streams],
        values=[row["annotations"] for row in streams],
        notes=[
            f"{row['resolved']:,} resolved; accuracy on {row['known_answer_items']} known answers: "
            + (fmt_percent(row["accuracy"]) if row["accuracy"] is not None else "n/a")
            for row in streams
        ],
        y_label="annotations",
    )
    return {
        "settings": settings,
        "active_learning_on": settings.active_learning != ActiveLearning.OFF,
        "predictions": counts,
        "rates": rates,
        "streams": streams,
        "charts": {"keep": keep_chart, "streams": stream_chart},
    }


def model_setup_page(*, project: Project) -> dict:
    """The setup page's model options (defaults when never saved) and the predictions they would apply to."""
    return {"settings": model_settings_get(project=project), "predictions": prediction_counts(project=project)}
