"""Delayed feedback on simulate_traffic's stream with a known delay distribution: the estimated delay CDF
is close to the true one, and provisional negatives' predicted conversion matches what converts later."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from feedback import conf as feedback_conf
from feedback.models import DirectLabel
from feedback.selectors.labels import MaturityOf
from feedback.selectors.maturity import DelayModel, label_maturity
from feedback.services.delays import delay_distributions_estimate, ecdf_points
from feedback.services.windows import windows_close_due
from ingestion.handlers.feedback_join import handle_batch
from ingestion.records import Record
from ingestion.simulator import TrafficConfig, first_delay_cdf, traffic_generate
from tests.feedback.helpers import make_rule

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PRESENT = START + timedelta(hours=3)
HORIZON = timedelta(hours=1)


def _feed(messages: list[tuple[str, bytes | None, bytes]]) -> None:
    for i in range(0, len(messages), 2000):
        handle_batch([Record(t, 0, n, v) for n, (t, _, v) in enumerate(messages[i : i + 2000], start=i)], consumer="t")


def _event_time(topic: str, value: bytes) -> datetime:
    data = json.loads(value)
    return datetime.fromisoformat(data["served_at" if topic == feedback_conf.requests_topic() else "occurred_at"])


@pytest.mark.parametrize("distribution", ["exponential", "lognormal"])
def test_estimated_delay_cdf_and_conversion_of_provisional_negatives_match_the_truth(distribution):
    # Given 3 hours of traffic (a click on 30% of requests, first click delay known), a 5-minute window
    # and a 1-hour horizon; the present is the end of the 3 hours.
    config = TrafficConfig(
        requests=6000, seed=7, start=START, seconds_per_request=1.8, click_rate=0.3, dismiss_rate=0.0,
        feedback_delay_s=600.0, delay_distribution=distribution, delay_sigma=1.0,
    )  # fmt: skip
    messages, _ = traffic_generate(config)
    make_rule(
        window=timedelta(minutes=5), grace=timedelta(0), maturity_horizon=HORIZON, negative_events=[],
        late_policy="correct",
    )  # fmt: skip
    past = [m for m in messages if _event_time(m[0], m[2]) <= PRESENT]
    future = [m for m in messages if _event_time(m[0], m[2]) > PRESENT]
    _feed(past)
    windows_close_due(now=PRESENT, watermark=PRESENT)

    # When the delay distribution is estimated at the present, on the requests older than the horizon.
    (row,) = delay_distributions_estimate(now=PRESENT)
    model = DelayModel.from_points(conversion_rate=row.conversion_rate, points=row.cdf)

    # Then its CDF is within 0.05 of the true one (conditional on converting inside the horizon).
    h = HORIZON.total_seconds()
    truth = [first_delay_cdf(config, a) / first_delay_cdf(config, h) for a in range(0, int(h) + 1, 5)]
    sup = max(abs(model.F(a) - f) for a, f in zip(range(0, int(h) + 1, 5), truth, strict=True))
    print(f"{distribution}: cohort={row.cohort_requests} positives={row.cohort_positives} "
          f"p={row.conversion_rate:.3f} L-inf={sup:.4f}")  # fmt: skip
    assert sup <= 0.05
    assert abs(row.conversion_rate - 0.3) < 0.03

    # And the provisional negatives' mean predicted conversion matches the share that converts later.
    maturity_of = MaturityOf(now=PRESENT)
    provisional: dict[str, float] = {}
    for label in DirectLabel.objects.filter(is_current=True, label=0).select_related("request"):
        m = maturity_of(rule_id=label.rule_id, label=label.label, is_final=label.is_final,
                        served_at=label.window_start)  # fmt: skip
        if m.maturity == "provisional":
            provisional[label.request_id] = m.conversion_probability
    predicted = sum(provisional.values()) / len(provisional)
    _feed(future)
    converted = DirectLabel.objects.filter(request_id__in=list(provisional), is_current=True, label=1).count()
    actual = converted / len(provisional)
    print(f"{distribution}: provisional={len(provisional)} predicted={predicted:.4f} actual={actual:.4f}")
    assert len(provisional) > 1000
    assert abs(predicted - actual) <= 0.02
    # A flip is a new version; the provisional negative stays as version 1.
    flipped = DirectLabel.objects.filter(request_id__in=list(provisional), version=2, label=1).count()
    assert flipped == converted


def test_maturity_of_positive_final_and_expired_negatives():
    model = DelayModel.from_points(conversion_rate=0.5, points=ecdf_points([10.0, 20.0, 20.0, 40.0]))
    assert [model.F(a) for a in (0, 10, 15, 20, 39, 40, 99)] == [0, 0.25, 0.25, 0.75, 0.75, 1.0, 1.0]
    served = START
    common = {"served_at": served, "late_policy": "correct", "horizon": timedelta(seconds=60), "model": model}
    young = label_maturity(label=0, is_final=True, now=served + timedelta(seconds=15), **common)
    # q = p(1 - F) / (1 - pF) = 0.5 * 0.75 / (1 - 0.125)
    assert young.maturity == "provisional" and young.conversion_probability == pytest.approx(0.375 / 0.875)
    assert young.importance_weight == pytest.approx(1 - 0.375 / 0.875)
    old = label_maturity(label=0, is_final=True, now=served + timedelta(seconds=61), **common)
    assert (old.maturity, old.conversion_probability, old.importance_weight) == ("final", 0.0, 1.0)
    ignore = label_maturity(
        label=0, is_final=True, now=served + timedelta(seconds=15), **{**common, "late_policy": "ignore"}
    )  # noqa: E501
    assert ignore.maturity == "final"
    positive = label_maturity(label=1, is_final=False, now=served + timedelta(seconds=15), **common)
    assert (positive.maturity, positive.conversion_probability, positive.importance_weight) == ("open", None, 1.0)
    assert young.age_seconds == 15
