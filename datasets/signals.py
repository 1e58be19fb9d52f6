"""Signals of the datasets app. `anomaly_raised(sender=Anomaly, anomaly=...)` is sent after the commit that
created the anomaly; an outgoing-webhook integration connects one receiver to it."""

from __future__ import annotations

from django.dispatch import Signal

anomaly_raised = Signal()
