"""Data validation end to end: a reference from a dataset version, 100,000 clean requests through the real
broker and consumer (no anomaly), then a stream in which four features break; one check finds each."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import orjson
import pytest
from django.utils import timezone

from datasets.models import Anomaly
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from datasets.services.validation_check import validation_check
from datasets.services.validation_reference import validation_reference_build
from feedback.models import InferenceRequest
from feedback.services.serving_statistics import window_floor
from ingestion.producers import messages_produce, producer_make
from ingestion.registry import consumer_get
from ingestion.runner import ConsumerRunner
from tests.datasets.conftest import add_direct_labels
from tests.feedback.helpers import make_rule
from tests.ingestion.kafka_helpers import RunnerThread, feedback_join_topics, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]

COUNTRIES = np.array(["de", "fr", "us", "gb"])
DEVICES = np.array(["ios", "android", "web"])


def snapshots(n: int, seed: int) -> list[dict]:
    """Features as production logs them: a numeric price, a categorical country and device, integer clicks."""
    rng = np.random.default_rng(seed)
    price = rng.normal(20.0, 4.0, n)
    country = rng.choice(COUNTRIES, n, p=[0.4, 0.3, 0.2, 0.1])
    device = rng.choice(DEVICES, n)
    clicks = rng.integers(0, 10, n)
    return [
        {"price": float(price[i]), "country": str(country[i]), "device": str(device[i]), "clicks": int(clicks[i])}
        for i in range(n)
    ]


@pytest.fixture
def topics(settings, kafka_bootstrap):
    return feedback_join_topics(settings, kafka_bootstrap, "val")


def messages(topic: str, rows: list[dict], *, start, prefix: str, per_window: int):
    """Requests spread evenly over consecutive 5-minute windows from `start`."""
    step = 300 / per_window
    for i, features in enumerate(rows):
        served = (start + timedelta(seconds=i * step)).isoformat()
        request_id = f"{prefix}-{i}"
        yield (
            topic,
            request_id.encode(),
            orjson.dumps(
                {
                    "request_id": request_id,
                    "model": "ranker",
                    "model_version": "v1",
                    "served_at": served,
                    "features": features,
                    "prediction": 0.5,
                    "user_id": f"u{i % 997}",
                }
            ),
        )


def test_a_clean_stream_raises_nothing_and_each_break_is_found_in_one_check(topics, kafka_bootstrap):
    # Given a reference from a dataset version of the model's direct labels.
    make_rule(model="ranker")
    add_direct_labels(
        "ranker",
        [{"request_id": f"train-{i}", "label": i % 3 == 0, "features": f} for i, f in enumerate(snapshots(4000, 1))],
    )
    version = dataset_build(dataset=dataset_create(name="ranker-train", direct_model="ranker"))
    schema = validation_reference_build(version=version)
    assert set(schema.features) == {"price", "country", "device", "clicks"}
    InferenceRequest.objects.all().delete()  # the training requests are not serving traffic

    start = window_floor(timezone.now() - timedelta(hours=2), 300)
    clean_total, per_window = 100_000, 10_000
    producer = producer_make(bootstrap_servers=kafka_bootstrap)
    runner = ConsumerRunner(consumer_get("feedback-join"))
    thread = RunnerThread(runner)
    thread.start()
    try:
        # When 100,000 unshifted requests (ten 5-minute windows) pass through the consumer.
        messages_produce(
            producer=producer,
            messages=messages(
                topics["REQUESTS_TOPIC"], snapshots(clean_total, 2), start=start, prefix="c", per_window=per_window
            ),
        )
        wait_for(lambda: InferenceRequest.objects.count() == clean_total, timeout=300, what="clean stream", every=1)
        clean = validation_check(model="ranker", since=start)
        # Then no anomaly at all, over ten windows compared with the reference and with each other.
        assert clean.windows == clean_total // per_window
        assert clean.anomalies == [], [(a.kind, a.feature, a.figure) for a in clean.anomalies]

        # When, from the next window on, clicks become floats, a new country appears, the price shifts
        # by +4 (one reference standard deviation) and the device is no longer logged.
        broken_at = start + timedelta(seconds=300 * (clean_total // per_window))
        broken = snapshots(2000, 3)
        for i, features in enumerate(broken):
            features["clicks"] = features["clicks"] + 0.5
            if i % 5 == 0:
                features["country"] = "br"
            features["price"] += 4.0
            del features["device"]
        messages_produce(
            producer=producer,
            messages=messages(topics["REQUESTS_TOPIC"], broken, start=broken_at, prefix="b", per_window=2000),
        )
        wait_for(lambda: InferenceRequest.objects.count() == clean_total + 2000, timeout=120, what="broken stream")
    finally:
        thread.stop()
        producer.close()

    # Then one check raises each anomaly with its kind and feature, all in the first broken window.
    result = validation_check(model="ranker", since=start)
    found = {(a.kind, a.feature) for a in result.anomalies}
    assert ("type_mismatch", "clicks") in found
    assert ("unseen_category", "country") in found
    assert ("distribution_skew", "price") in found and ("distribution_drift", "price") in found
    assert ("missing_feature", "device") in found
    assert {a.window_start for a in result.anomalies} == {broken_at}
    unseen = Anomaly.objects.get(kind="unseen_category", feature="country")
    assert unseen.examples == ["br"] and unseen.figure == pytest.approx(0.2)
    shift = Anomaly.objects.get(kind="distribution_skew", feature="price")
    assert shift.figure > shift.threshold
    assert Anomaly.objects.get(kind="missing_feature", feature="device").figure == pytest.approx(1.0)
