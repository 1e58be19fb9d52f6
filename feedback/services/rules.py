"""Label rules: one write path. A new version supersedes the previous one for requests that arrive after it."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max

from config.exceptions import ApplicationError
from feedback.models import LabelRule
from feedback.models.rules import LatePolicy


@transaction.atomic
def label_rule_create(
    *,
    model: str,
    window: timedelta,
    grace: timedelta,
    positive_events: dict[str, float],
    negative_events: list[str] | None = None,
    late_policy: str = LatePolicy.CORRECT,
    negative_downsampling_rate: float = 1.0,
    orphan_ttl: timedelta,
) -> LabelRule:
    """Create the next version of `model`'s rule (locks the model's rules so versions never collide)."""
    if not positive_events:
        raise ApplicationError("A rule needs at least one positive event type.")
    overlap = set(positive_events) & set(negative_events or [])
    if overlap:
        raise ApplicationError("An event type cannot be both positive and negative.", {"types": sorted(overlap)})
    if any(float(w) <= 0 for w in positive_events.values()):
        raise ApplicationError("Positive weights must be > 0.")
    list(LabelRule.objects.select_for_update().filter(model=model))
    version = (LabelRule.objects.filter(model=model).aggregate(v=Max("version"))["v"] or 0) + 1
    rule = LabelRule(
        model=model,
        version=version,
        window=window,
        grace=grace,
        positive_events={k: float(v) for k, v in positive_events.items()},
        negative_events=list(negative_events or []),
        late_policy=late_policy,
        negative_downsampling_rate=negative_downsampling_rate,
        orphan_ttl=orphan_ttl,
    )
    rule.full_clean()
    rule.save()
    return rule
