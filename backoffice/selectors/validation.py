"""Assemble the data validation page: per feature, reference vs serving and the distance per window; anomalies."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from backoffice.charts import Frame, Series, line_chart, paired_bar_chart
from config.exceptions import NotFoundError
from datasets import conf as datasets_conf
from datasets.selectors.validation import anomaly_list, schema_for_model, validated_models
from feedback.selectors.serving_statistics import serving_windows
from feedback.statistics.checks import Comparer
from feedback.statistics.distances import histogram, shares, split_points
from feedback.statistics.profile import FeatureStatistics, Profile, profiles_merge

TOP_CATEGORIES = 10
Bars = tuple[list[str], list[float], list[float]]
DISPLAY_BINS = 10


def _categorical(ref: FeatureStatistics | None, cur: FeatureStatistics | None) -> Bars:
    p = shares(ref.categories) if ref else {}
    q = shares(cur.categories) if cur else {}
    keys = sorted(set(p) | set(q), key=lambda k: (-max(p.get(k, 0), q.get(k, 0)), k))[:TOP_CATEGORIES]
    return keys, [p.get(k, 0.0) for k in keys], [q.get(k, 0.0) for k in keys]


def _numeric(ref: FeatureStatistics | None, cur: FeatureStatistics | None) -> Bars:
    if ref is None or ref.sketch is None or ref.sketch.is_empty():
        return [], [], []
    points = split_points(ref.sketch, DISPLAY_BINS)
    labels = [f"<{points[0]:.3g}"] if points else ["all"]
    labels += [f"{low:.3g}–{high:.3g}" for low, high in zip(points, points[1:], strict=False)]
    if points:
        labels.append(f"≥{points[-1]:.3g}")
    serving = histogram(cur.sketch, points) if cur and cur.sketch is not None and not cur.sketch.is_empty() else []
    return labels, histogram(ref.sketch, points), serving or [0.0] * len(labels)


def _distance(
    comparer: Comparer, entry: dict, ref: FeatureStatistics | None, cur: FeatureStatistics | None
) -> float | None:
    if ref is None or cur is None:
        return None
    measured = comparer.distance(entry, ref, ref, cur)
    return None if measured is None else measured[1]


def _presence(profile: Profile, path: str) -> float:
    stats = profile.features.get(path)
    return stats.present / profile.rows if stats is not None and profile.rows else 0.0


def validation_page(*, model: str | None, hours: int = 24, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    models = validated_models()
    model = model or (models[0] if models else None)
    page: dict = {"models": models, "model": model, "hours": hours, "features": [], "anomalies": []}
    if model is None:
        return page
    try:
        schema = schema_for_model(model=model)
    except NotFoundError as exc:
        page["error"] = exc.message
        return page
    since = now - timedelta(hours=hours)
    windows = serving_windows(model=model, since=since, until=now + timedelta(seconds=1))
    reference = Profile.from_bytes(schema.reference.statistics)
    serving = profiles_merge(profile for _, profile in windows)
    defaults = datasets_conf.thresholds()
    comparer = Comparer()
    anomalies = list(anomaly_list(model=model, since=since)[:200])
    by_feature: dict[str, int] = {}
    for anomaly in anomalies:
        if anomaly.state != "resolved":
            by_feature[anomaly.feature] = by_feature.get(anomaly.feature, 0) + 1
    x = [start.strftime("%H:%M") for start, _ in windows]
    for path, entry in sorted(schema.features.items()):
        ref, cur = reference.features.get(path), serving.features.get(path)
        kind = entry["kind"]
        labels, p, q = _numeric(ref, cur) if kind == "numeric" else _categorical(ref, cur)
        limit_name = "jensen_shannon" if kind == "numeric" else "chebyshev"
        limit = {**defaults, **(entry.get("thresholds") or {})}[limit_name]
        series = [_distance(comparer, entry, ref, profile.features.get(path)) for _, profile in windows]
        presence = [_presence(profile, path) for _, profile in windows]
        page["features"].append(
            {
                "path": path,
                "type": entry["type"],
                "kind": kind,
                "open": by_feature.get(path, 0),
                "distribution": paired_bar_chart(
                    title=f"{path}: reference vs serving (last {hours} h)", labels=labels, reference=p, serving=q
                ),
                "over_time": line_chart(
                    title=f"{path}: {'JS divergence' if kind == 'numeric' else 'Chebyshev distance'} per window",
                    x=x,
                    series=[Series("distance to reference", series), Series("presence", presence, color="#94a3b8")],
                    y_min=0.0,
                    threshold=(limit, f"threshold {limit:g}"),
                    frame=Frame(height=220),
                ),
            }
        )
    page.update(
        schema=schema,
        dataset=schema.dataset.name,
        reference_version=schema.reference.version.number,
        reference_rows=schema.reference.rows,
        serving_rows=serving.rows,
        window_count=len(windows),
        extra=sorted(set(serving.features) - set(schema.features)),
        anomalies=anomalies,
        open_count=sum(1 for a in anomalies if a.state == "open"),
    )
    return page
