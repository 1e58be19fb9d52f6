"""Label rules: one write path. A new version supersedes the previous one for requests that arrive after it.

Every database constraint of LabelRule is checked here first, so bad input is an ApplicationError (a 4xx
in the API, a CommandError in the CLI), never a constraint violation.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max

from config.exceptions import ApplicationError, NotFoundError
from feedback.models import LabelRule
from feedback.models.rules import LatePolicy

MAX_WINDOW = timedelta(days=30)
RULE_FIELDS = ("window", "grace", "positive_events", "negative_events", "late_policy",
               "negative_downsampling_rate", "orphan_ttl", "maturity_horizon")  # fmt: skip


def label_rule_validate(
    *,
    model: str,
    window: timedelta,
    grace: timedelta,
    positive_events: dict[str, float],
    negative_events: list[str],
    late_policy: str,
    negative_downsampling_rate: float,
    orphan_ttl: timedelta,
    maturity_horizon: timedelta,
) -> None:
    """Mirror of the table's constraints (and the join's assumptions), with the field in `extra`."""

    def bad(message: str, field: str, **extra: object) -> ApplicationError:
        return ApplicationError(message, {"code": "invalid_rule", "field": field, **extra})

    if not isinstance(model, str) or not 0 < len(model) <= 200:
        raise bad("model must be 1..200 characters.", "model")
    if not timedelta(0) < window <= MAX_WINDOW:
        raise bad("window_seconds must be > 0 and at most 30 days (2592000).", "window_seconds")
    if grace < timedelta(0):
        raise bad("grace_seconds must be >= 0.", "grace_seconds")
    if orphan_ttl <= timedelta(0):
        raise bad("orphan_ttl_seconds must be > 0.", "orphan_ttl_seconds")
    if maturity_horizon <= timedelta(0):
        raise bad("maturity_horizon_seconds must be > 0.", "maturity_horizon_seconds")
    if not 0 < negative_downsampling_rate <= 1:
        raise bad("negative_downsampling_rate must be > 0 and <= 1.", "negative_downsampling_rate")
    if late_policy not in LatePolicy.values:
        raise bad(f"late_policy must be one of {', '.join(LatePolicy.values)}.", "late_policy")
    if not positive_events:
        raise bad("A rule needs at least one positive event type.", "positive_events")
    for name in [*positive_events, *negative_events]:
        if not isinstance(name, str) or not 0 < len(name) <= 64:
            raise bad("Event types must be 1..64 characters.", "positive_events")
    overlap = set(positive_events) & set(negative_events)
    if overlap:
        raise bad("An event type cannot be both positive and negative.", "negative_events", types=sorted(overlap))
    if any(float(w) <= 0 for w in positive_events.values()):
        raise bad("Positive weights must be > 0.", "positive_events")


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
    maturity_horizon: timedelta = timedelta(days=1),
) -> LabelRule:
    """Create the next version of `model`'s rule (locks the model's rules so versions never collide)."""
    negative_events = list(negative_events or [])
    label_rule_validate(
        model=model, window=window, grace=grace, positive_events=positive_events, negative_events=negative_events,
        late_policy=late_policy, negative_downsampling_rate=negative_downsampling_rate, orphan_ttl=orphan_ttl,
        maturity_horizon=maturity_horizon,
    )  # fmt: skip
    list(LabelRule.objects.select_for_update().filter(model=model))
    version = (LabelRule.objects.filter(model=model).aggregate(v=Max("version"))["v"] or 0) + 1
    rule = LabelRule(
        model=model,
        version=version,
        window=window,
        grace=grace,
        positive_events={k: float(v) for k, v in positive_events.items()},
        negative_events=negative_events,
        late_policy=late_policy,
        negative_downsampling_rate=negative_downsampling_rate,
        orphan_ttl=orphan_ttl,
        maturity_horizon=maturity_horizon,
    )
    rule.full_clean()
    rule.save()
    return rule


def _current(model: str) -> LabelRule:
    rule = LabelRule.objects.filter(model=model, is_active=True).order_by("-version").first()
    if rule is None:
        raise NotFoundError(f"No active label rule for model {model!r}.", {"code": "not_found", "model": model})
    return rule


@transaction.atomic
def label_rule_update(*, model: str, **changes: object) -> LabelRule:
    """A new version of the model's active rule with `changes` (rules are never edited in place: requests
    already joined keep the version they were joined with)."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ApplicationError("Unknown rule fields.", {"code": "invalid_rule", "fields": sorted(unknown)})
    if not changes:
        raise ApplicationError("Nothing to change.", {"code": "invalid_rule"})
    current = _current(model)
    values = {name: getattr(current, name) for name in RULE_FIELDS}
    values.update(changes)
    return label_rule_create(model=model, **values)


@transaction.atomic
def label_rule_deactivate(*, model: str, version: int | None = None) -> int:
    """Stop applying the model's rules (or one version) to new requests. Requests already open keep theirs;
    with no active version left, new requests of the model are unjoinable."""
    rules = LabelRule.objects.select_for_update().filter(model=model, is_active=True)
    if version is not None:
        rules = rules.filter(version=version)
    ids = [rule.id for rule in rules]
    if not ids:
        raise NotFoundError("No such active label rule.", {"code": "not_found", "model": model, "version": version})
    return LabelRule.objects.filter(id__in=ids).update(is_active=False)
