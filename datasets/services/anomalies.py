"""The one write path of anomalies: raise once per (model, kind, feature, baseline, window), change state.

`anomaly_raise` is the only way an anomaly is created. In the same transaction it writes the
`validation.anomaly` outbox event (so the configured webhooks hear of it, docs/webhooks.md), and after the
commit it sends `datasets.signals.anomaly_raised` for in-process listeners.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from datasets.events import anomaly_raised_emit
from datasets.models import Anomaly, AnomalyState, ValidationSchema
from datasets.signals import anomaly_raised


@transaction.atomic
def anomaly_raise(
    *, model: str, schema: ValidationSchema, kind: str, feature: str, baseline: str, window_start: datetime,
    window_end: datetime, figure: float, threshold: float, examples: list, now: datetime,
) -> tuple[Anomaly, bool]:  # fmt: skip
    """Create the anomaly unless this window already has it; returns (anomaly, created)."""
    anomaly, created = Anomaly.objects.get_or_create(
        model=model, kind=kind, feature=feature[:300], baseline=baseline, window_start=window_start,
        defaults={
            "schema": schema, "window_end": window_end, "figure": figure, "threshold": threshold,
            "examples": examples[:10], "created_at": now,
        },
    )  # fmt: skip
    if created:
        anomaly_raised_emit(anomaly=anomaly)
        transaction.on_commit(lambda: anomaly_raised.send(sender=Anomaly, anomaly=anomaly))
    return anomaly, created


@transaction.atomic
def anomaly_state_set(*, anomaly: Anomaly, state: str, user) -> Anomaly:
    if state not in AnomalyState.values:
        raise ApplicationError("Unknown anomaly state", {"code": "invalid_state", "states": AnomalyState.values})
    Anomaly.objects.select_for_update().get(pk=anomaly.pk)
    Anomaly.objects.filter(pk=anomaly.pk).update(state=state, state_changed_by=user, state_changed_at=timezone.now())
    return Anomaly.objects.get(pk=anomaly.pk)
