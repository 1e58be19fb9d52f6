"""A validation check: every serving window of a model since a time, against the reference and the window before.

Findings come from the pure `feedback.statistics.checks`; each becomes an anomaly through
`datasets.services.anomalies.anomaly_raise`. Label drift compares the positive rate of direct labels per
model version and window with the reference version's rate. Run by Celery beat, the API and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from config.exceptions import ApplicationError
from datasets import conf as datasets_conf
from datasets.models import Anomaly, ValidationSchema
from datasets.selectors.validation import schema_for_model
from datasets.services.anomalies import anomaly_raise
from feedback.selectors.serving_statistics import direct_label_positive_rates, serving_window_seconds, serving_windows
from feedback.services.serving_statistics import window_floor
from feedback.statistics.checks import PREVIOUS, REFERENCE, Comparer, Finding, window_check
from feedback.statistics.profile import Profile


@dataclass
class CheckResult:
    model: str
    schema: ValidationSchema
    since: datetime
    until: datetime
    windows: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)
    new: int = 0

    @property
    def clean(self) -> bool:
        return not self.anomalies

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "dataset": self.schema.dataset.name,
            "schema_version": self.schema.number,
            "reference_version": self.schema.reference.version.number,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "windows": self.windows,
            "clean": self.clean,
            "new": self.new,
            "anomalies": [anomaly_dict(a) for a in self.anomalies],
        }


def anomaly_dict(anomaly: Anomaly) -> dict:
    return {
        "id": anomaly.pk,
        "model": anomaly.model,
        "kind": anomaly.kind,
        "feature": anomaly.feature,
        "baseline": anomaly.baseline,
        "window_start": anomaly.window_start.isoformat(),
        "window_end": anomaly.window_end.isoformat(),
        "figure": anomaly.figure,
        "threshold": anomaly.threshold,
        "examples": anomaly.examples,
        "state": anomaly.state,
    }


def _label_findings(
    *, schema: ValidationSchema, model: str, since: datetime, until: datetime, seconds: int, limit: float, min_rows: int
) -> list[tuple[datetime, Finding]]:
    counts = schema.reference.label_counts or {}
    positives = sum(pos for pos, _ in counts.values())
    labels = sum(n for _, n in counts.values())
    if not labels:
        return []
    reference_rate = positives / labels
    out = []
    rates = direct_label_positive_rates(model=model, since=since, until=until, window_seconds=seconds)
    for (model_version, start), (pos, n) in sorted(rates.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if n < min_rows:
            continue
        moved = abs(pos / n - reference_rate)
        if moved > limit:
            examples = [{"rate": round(pos / n, 6), "reference_rate": round(reference_rate, 6), "labels": n}]
            out.append(
                (start, Finding("label_drift", model_version or "-", round(moved, 6), limit, REFERENCE, examples))
            )
    return out


def validation_check(
    *, model: str, since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> CheckResult:
    """Check every window of `model` starting in [since, until); anomalies already raised are not raised again."""
    now = now or timezone.now()
    until = until or now + timedelta(seconds=1)
    since = since or now - timedelta(seconds=datasets_conf.check_lookback_seconds())
    if since >= until:
        raise ApplicationError("since must be before until", {"code": "invalid_range", "field": "since"})
    schema = schema_for_model(model=model)
    seconds = serving_window_seconds(model=model)
    since = window_floor(since, seconds)
    defaults = datasets_conf.thresholds()
    min_rows = datasets_conf.min_rows()
    reference = Profile.from_bytes(schema.reference.statistics)
    windows = serving_windows(model=model, since=since - timedelta(seconds=seconds), until=until)
    by_start = dict(windows)
    result = CheckResult(model=model, schema=schema, since=since, until=until)
    found: list[tuple[datetime, Finding]] = []
    comparer = Comparer()
    for start, profile in windows:
        if start < since:
            continue
        result.windows += 1
        previous = by_start.get(start - timedelta(seconds=seconds))
        findings = window_check(
            schema=schema.features, reference=reference, window=profile, previous=previous,
            defaults=defaults, min_rows=min_rows, comparer=comparer,
        )  # fmt: skip
        found.extend((start, finding) for finding in findings)
    found += _label_findings(
        schema=schema, model=model, since=since, until=until, seconds=seconds,
        limit=defaults["label_rate"], min_rows=min_rows,
    )  # fmt: skip
    for start, finding in found:
        anomaly, created = anomaly_raise(
            model=model, schema=schema, kind=finding.kind, feature=finding.feature,
            baseline=finding.baseline if finding.baseline in (REFERENCE, PREVIOUS) else REFERENCE,
            window_start=start, window_end=start + timedelta(seconds=seconds), figure=finding.figure,
            threshold=finding.threshold, examples=list(finding.examples), now=now,
        )  # fmt: skip
        result.anomalies.append(anomaly)
        result.new += created
    return result


def validation_check_all(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: check every model that has a schema; {model: anomalies found}."""
    from datasets.selectors.validation import validated_models

    return {model: len(validation_check(model=model, now=now).anomalies) for model in validated_models()}
