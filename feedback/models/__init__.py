"""Direct labeling: label rules, logged requests, feedback events, direct labels and counters."""

from feedback.models.counters import FeedbackCounter
from feedback.models.delays import DelayDistribution
from feedback.models.labels import DirectLabel
from feedback.models.requests import FeedbackEvent, InferenceRequest
from feedback.models.rules import LabelRule
from feedback.models.serving import ServingStatistics

__all__ = [
    "DelayDistribution",
    "DirectLabel",
    "FeedbackCounter",
    "FeedbackEvent",
    "InferenceRequest",
    "LabelRule",
    "ServingStatistics",
]
