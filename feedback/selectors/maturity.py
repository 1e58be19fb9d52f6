"""How mature a direct label is, and what a provisional negative is worth for training (delayed feedback).

maturity: `open` (window not closed), `provisional` (closed negative, late feedback can still flip it:
late_policy "correct" and younger than the rule's horizon), `final`.

For a provisional negative of age a, with p the eventual conversion rate and F the delay CDF of positives
(feedback/services/delays.py), Bayes gives the chance it still converts:
    q(a) = P(convert later | not converted by a) = p (1 - F(a)) / (1 - p F(a))
(the delayed-feedback model of Chapelle, KDD 2014). Its importance weight is 1 - q: the expected share of
the row that is a true negative, the per-row form of fake-negative weighting (Ktena et al., RecSys 2019,
who weight with the model's own prediction; DEFER, KDD 2021, adds duplicated real negatives). Positives
and final rows weigh 1.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta


def rule_horizon(*, window: timedelta, grace: timedelta, maturity_horizon: timedelta | None) -> timedelta:
    """The horizon is never shorter than the window + grace: before that the label is not even closed."""
    return max(maturity_horizon or timedelta(0), window + grace)


@dataclass(frozen=True)
class DelayModel:
    conversion_rate: float
    delays: tuple[float, ...]
    cdf: tuple[float, ...]

    @classmethod
    def from_points(cls, *, conversion_rate: float, points: list[list[float]]) -> DelayModel:
        return cls(conversion_rate, tuple(p[0] for p in points), tuple(p[1] for p in points))

    def F(self, age_seconds: float) -> float:  # noqa: N802 - the CDF's usual name
        i = bisect.bisect_right(self.delays, age_seconds)
        return self.cdf[i - 1] if i else 0.0

    def still_converts(self, age_seconds: float) -> float:
        p, f = self.conversion_rate, self.F(age_seconds)
        denominator = 1 - p * f
        return 0.0 if denominator <= 0 else max(0.0, min(1.0, p * (1 - f) / denominator))


@dataclass(frozen=True)
class Maturity:
    maturity: str
    age_seconds: float
    conversion_probability: float | None
    importance_weight: float


def label_maturity(
    *,
    label: float,
    is_final: bool,
    served_at: datetime,
    late_policy: str,
    horizon: timedelta,
    model: DelayModel | None,
    now: datetime,
) -> Maturity:
    age = max((now - served_at).total_seconds(), 0.0)
    if label > 0:
        return Maturity("final" if is_final else "open", age, None, 1.0)
    may_flip = late_policy == "correct" and age < horizon.total_seconds()
    if is_final and not may_flip:
        return Maturity("final", age, 0.0, 1.0)
    q = model.still_converts(age) if model is not None else None
    return Maturity("provisional" if is_final else "open", age, q, 1.0 if q is None else 1.0 - q)


def delay_models() -> dict[int, tuple[timedelta, str, DelayModel | None]]:
    """rule id -> (horizon, late policy, delay model or None), for labelling a page of labels at once."""
    from feedback.models import DelayDistribution, LabelRule

    stored = {d.rule_id: d for d in DelayDistribution.objects.all()}
    out: dict[int, tuple[timedelta, str, DelayModel | None]] = {}
    for rule in LabelRule.objects.all():
        d = stored.get(rule.id)
        model = None if d is None else DelayModel.from_points(conversion_rate=d.conversion_rate, points=d.cdf)
        horizon = rule_horizon(window=rule.window, grace=rule.grace, maturity_horizon=rule.maturity_horizon)
        out[rule.id] = (horizon, rule.late_policy, model)
    return out
