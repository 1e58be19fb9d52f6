"""Assemble the direct labeling health page: lag, rates over time, windows, late, orphans, dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta

from backoffice.charts import Series, bar_chart, fmt_percent, line_chart, stacked_bar_chart
from backoffice.selectors.common import section_snapshot


def _minutes(health: dict) -> tuple[list[datetime], dict[str, list[int]]]:
    """Align the sparse per-minute counters on every minute of the window (absent minutes are zero)."""
    start = datetime.fromisoformat(health["series_since"])
    end = datetime.fromisoformat(health["generated_at"]).replace(second=0, microsecond=0)
    minutes = []
    moment = start
    while moment <= end:
        minutes.append(moment)
        moment += timedelta(minutes=1)
    index = {m: i for i, m in enumerate(minutes)}
    values = {}
    for name, points in (health.get("minute_series") or {}).items():
        row = [0] * len(minutes)
        for stamp, value in points:
            at = datetime.fromisoformat(stamp)
            if at in index:
                row[index[at]] += value
        values[name] = row
    return minutes, values


ROLLING_MINUTES = 5


def _share(numerator: list[int], denominator: list[int]) -> list[float | None]:
    """Rolling 5-minute ratio, capped at 1 (feedback that arrived before its request joins a minute later)."""
    out: list[float | None] = []
    for i in range(len(numerator)):
        lo = max(0, i - ROLLING_MINUTES + 1)
        n, d = sum(numerator[lo : i + 1]), sum(denominator[lo : i + 1])
        out.append(min(1.0, n / d) if d else None)
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _duration(seconds: float | None) -> str:
    """A short age: 42 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


WATERMARK_COLOR = "#dc2626"


def _watermark(health: dict) -> dict:
    """The event-time watermark panel: per-partition chart, KPIs and a sentence on what blocks closing.

    Everything comes from the snapshot's `watermark_partitions` (feedback.selectors.watermarks), so the page
    and the health API show the same figures; a snapshot from before they were recorded gives the empty state.
    """
    rows = health.get("watermark_partitions") or []
    unknown = health.get("partitions_without_event_time") or []
    held = health.get("windows_held_by_watermark", 0)
    lateness = health.get("idle_partition_lateness_s")
    kpis = [
        {"label": "Low watermark age", "value": _duration(health.get("watermark_age_s")),
         "sub": "wall clock minus the event time read on every partition",
         "bad": health.get("watermark") is None and bool(rows)},
        {"label": "Held by the watermark", "value": f"{held:,}",
         "sub": "windows past their deadline, not yet past the watermark", "bad": bool(held)},
        {"label": "Partitions without event time", "value": f"{len(unknown):,}",
         "sub": "no event read and never caught up", "bad": bool(unknown)},
    ]  # fmt: skip
    if not rows:
        blocking = "The feedback consumer has recorded no partition yet: no window closes on event time."
    elif unknown:
        names = ", ".join(str(p) for p in unknown)
        blocking = (
            f"Partition{'s' if len(unknown) > 1 else ''} {names} {'have' if len(unknown) > 1 else 'has'} no "
            "event time yet (nothing read, never caught up): no window closes until "
            f"{'they report' if len(unknown) > 1 else 'it reports'} one."
        )
    else:
        holder = ", ".join(str(row["partition"]) for row in rows if row["holds_watermark"])
        blocking = f"Partition {holder} holds the low watermark."
    labels = [f"p{row['partition']}{' (low)' if row['holds_watermark'] else ''}" for row in rows]
    notes = []
    for row in rows:
        lag = "unknown" if row["lag"] is None else f"{row['lag']:,}"
        if row["effective"] is None:
            notes.append(f"no event time yet; offset lag {lag}")
        else:
            source = "latest event read" if row["source"] == "events" else f"caught up, less {lateness:g} s"
            notes.append(f"event time {row['effective']} ({source}); offset lag {lag}")
    svg = bar_chart(
        title="Event time behind the wall clock per feedback partition",
        labels=labels,
        values=[row["behind_s"] for row in rows],
        colors=[WATERMARK_COLOR if row["holds_watermark"] else None for row in rows],
        notes=notes,
        y_label="seconds behind",
    )
    table = [
        {
            "partition": row["partition"],
            "behind": _duration(row["behind_s"]),
            "effective": row["effective"] or "—",
            "source": {"events": "latest event read", "caught_up": "caught up"}.get(row["source"] or "", "none"),
            "lag": "—" if row["lag"] is None else f"{row['lag']:,}",
            "holds": row["holds_watermark"],
        }
        for row in rows
    ]
    return {"kpis": kpis, "svg": svg, "blocking": blocking, "rows": table, "empty": not rows,
            "lateness_s": lateness}  # fmt: skip


def health_page() -> dict:
    data, freshness = section_snapshot(section="health")
    health = data.get("health")
    if not health:
        return {"freshness": freshness, "error": data.get("error") or "no report", "health": None}
    minutes, series = _minutes(health)
    labels = [m.strftime("%H:%M") for m in minutes]
    zero = [0] * len(minutes)
    feedback = series.get("feedback", zero)
    joined = [a + b for a, b in zip(series.get("feedback_applied", zero), series.get("feedback_late_applied", zero),
                                    strict=True)]  # fmt: skip
    positives = series.get("labels_written", zero)
    negatives = series.get("labels_negative_closed", zero)
    lag = health.get("lag") or []
    total_lag = sum(row["lag"] or 0 for row in lag)
    kpis = [
        {"label": "Events / s", "value": f"{health['events_per_second']:g}", "sub": "last 5 minutes"},
        {"label": "Consumer lag", "value": f"{total_lag:,}", "sub": f"messages over {len(lag)} partitions",
         "bad": total_lag > 10_000},
        {"label": "Join rate", "value": _pct(health.get("join_rate")), "sub": "feedback joined to its request"},
        {"label": "Positive rate", "value": _pct(health.get("positive_rate")), "sub": "of current direct labels"},
        {"label": "Pending windows", "value": f"{health.get('pending_windows', 0):,}", "sub": "requests still open"},
        {"label": "Late", "value": f"{health.get('late', 0):,}",
         "sub": f"{health.get('late_applied', 0)} applied, {health.get('late_ignored', 0)} ignored"},
        {"label": "Orphans", "value": f"{health.get('orphans', 0):,}", "sub": "feedback without a request"},
        {"label": "Dead letters", "value": f"{health.get('dead_letters', 0):,}", "sub": "invalid messages",
         "bad": bool(health.get("dead_letters"))},
    ]  # fmt: skip
    charts = [
        {
            "title": "Consumer lag per partition",
            "hint": "High-water mark minus the committed offset, as the consumer last saw it.",
            "svg": bar_chart(
                title="Consumer lag per partition",
                labels=[f"{row['topic'].rsplit('-', 1)[-1]}/{row['partition']}" for row in lag],
                values=[row["lag"] for row in lag],
                notes=[f"{row['topic']}, group {row['group']}, offset {row['committed_offset']:,}" for row in lag],
                y_label="messages",
            ),
        },
        {
            "title": "Events per second",
            "hint": "Per-minute counters of the join consumer, last hour.",
            "svg": line_chart(
                title="Events per second",
                x=labels,
                series=[
                    Series(name="requests", values=[v / 60 for v in series.get("requests", zero)]),
                    Series(name="feedback", values=[v / 60 for v in feedback]),
                ],
                y_min=0,
                y_label="events / s",
            ),
        },
        {
            "title": "Join rate and positive rate over time",
            "hint": "Rolling 5 minutes. Join rate: feedback joined per feedback received. Positive rate: positive "
            "labels per label written (positives from feedback, negatives when a silent window closes).",
            "svg": line_chart(
                title="Join rate and positive rate",
                x=labels,
                series=[
                    Series(name="join rate", values=_share(joined, feedback)),
                    Series(
                        name="positive rate",
                        values=_share(positives, [p + n for p, n in zip(positives, negatives, strict=True)]),
                        color="#16a34a",
                    ),
                ],
                y_min=0,
                y_max=1,
                y_format=fmt_percent,
            ),
        },
        {
            "title": "Windows closed and dead letters per minute",
            "hint": "",
            "svg": stacked_bar_chart(
                title="Windows closed and dead letters",
                labels=labels,
                series=[
                    ("windows closed", series.get("windows_closed", zero)),
                    ("dead letters", series.get("dead_letters", zero)),
                ],
                y_label="per minute",
            ),  # fmt: skip
        },
        {
            "title": "Requests by state",
            "hint": "Open windows are the pending ones.",
            "svg": bar_chart(
                title="Requests by state",
                labels=list((health.get("requests") or {}).keys()),
                values=list((health.get("requests") or {}).values()),
                y_label="requests",
            ),
        },
    ]
    reasons = sorted((health.get("dead_letter_reasons") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "freshness": freshness,
        "error": None,
        "health": health,
        "kpis": kpis,
        "chart_list": charts,
        "dead_letters": [{"reason": reason, "count": count} for reason, count in reasons],
        "lag": lag,
        "watermark": _watermark(health),
    }
