"""A deterministic traffic generator: requests, then delayed feedback, some of it before its request
(out of order), some duplicated, optionally some malformed. The same seed gives the same stream."""

from __future__ import annotations

import json
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from feedback import conf as feedback_conf


@dataclass(frozen=True)
class TrafficConfig:
    requests: int = 1000
    seed: int = 1
    model: str = "ranker"
    model_version: str = "2026.11"
    click_rate: float = 0.3
    purchase_rate: float = 0.1  # of clicks
    dismiss_rate: float = 0.2
    duplicate_rate: float = 0.05
    out_of_order_rate: float = 0.10
    malformed_rate: float = 0.0
    users: int = 5000
    max_lag: int = 200  # how many messages later (or earlier, when out of order) feedback is produced
    start: datetime | None = None
    seconds_per_request: float = 0.01  # simulated time between requests
    feedback_delay_s: float = 30.0  # mean simulated delay of feedback after serving (and between events)
    # "exponential" (memoryless) or "lognormal" (heavy tail, like conversions in Chapelle 2014); known, so
    # tests compare an estimate against first_delay_cdf().
    delay_distribution: str = "exponential"
    delay_sigma: float = 1.0  # the lognormal's shape


def _delay(rng: random.Random, config: TrafficConfig) -> float:
    if config.delay_distribution == "lognormal":
        mu = math.log(config.feedback_delay_s) - config.delay_sigma**2 / 2  # so the mean is feedback_delay_s
        return rng.lognormvariate(mu, config.delay_sigma)
    if config.delay_distribution != "exponential":
        raise ValueError(f"unknown delay distribution {config.delay_distribution!r}")
    return rng.expovariate(1 / config.feedback_delay_s)


def first_delay_cdf(config: TrafficConfig, seconds: float) -> float:
    """The true CDF of the delay from serving to a request's first feedback event."""
    if seconds <= 0:
        return 0.0
    if config.delay_distribution == "lognormal":
        mu = math.log(config.feedback_delay_s) - config.delay_sigma**2 / 2
        return 0.5 * (1 + math.erf((math.log(seconds) - mu) / (config.delay_sigma * math.sqrt(2))))
    return 1 - math.exp(-seconds / config.feedback_delay_s)


@dataclass
class TrafficSummary:
    requests: int = 0
    feedback: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    malformed: int = 0
    messages: int = 0


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def traffic_generate(config: TrafficConfig) -> tuple[list[tuple[str, bytes | None, bytes]], TrafficSummary]:
    """Return the messages (topic, key, value) in produce order and what they contain."""
    rng = random.Random(config.seed)
    req_topic, fb_topic = feedback_conf.requests_topic(), feedback_conf.feedback_topic()
    start = config.start or datetime.now(UTC)
    summary = TrafficSummary()
    slots: list[tuple[float, int, tuple[str, bytes | None, bytes]]] = []
    seq = 0

    def put(position: float, message: tuple[str, bytes | None, bytes]) -> None:
        nonlocal seq
        slots.append((position, seq, message))
        seq += 1
        if rng.random() < config.duplicate_rate:
            slots.append((position + rng.randint(1, config.max_lag), seq, message))
            seq += 1
            summary.duplicates += 1

    for i in range(config.requests):
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        served_at = start + timedelta(seconds=i * config.seconds_per_request)
        key = request_id.encode()
        request = {
            "schema_version": 1,
            "request_id": request_id,
            "model": config.model,
            "model_version": config.model_version,
            "served_at": _iso(served_at),
            "features": {
                "position": rng.randint(1, 20),
                "query_len": rng.randint(1, 12),
                "price": round(rng.uniform(1, 200), 2),
                "category": rng.choice(["books", "music", "garden", "toys", "tools"]),
                "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            },
            "prediction": {"score": round(rng.random(), 4)},
            "user_id": f"u{rng.randint(1, config.users)}",
            "item_id": f"i{rng.randint(1, 50000)}",
        }
        put(float(i), (req_topic, key, json.dumps(request).encode()))
        summary.requests += 1
        events: list[tuple[str, float | None]] = []
        roll = rng.random()
        if roll < config.click_rate:
            events.append(("click", None))
            if rng.random() < config.purchase_rate:
                events.append(("purchase", round(rng.uniform(5, 300), 2)))
        elif roll < config.click_rate + config.dismiss_rate:
            events.append(("dismiss", None))
        delay = 0.0
        for event_type, value in events:
            delay += _delay(rng, config)
            event = {
                "schema_version": 1,
                "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "request_id": request_id,
                "type": event_type,
                "occurred_at": _iso(served_at + timedelta(seconds=delay)),
            }
            if value is not None:
                event["value"] = value
            if rng.random() < config.out_of_order_rate:
                position = i - rng.randint(1, config.max_lag) - 0.5
                summary.out_of_order += 1
            else:
                position = i + rng.randint(1, config.max_lag) + 0.5
            put(position, (fb_topic, key, json.dumps(event).encode()))
            summary.feedback += 1
        if config.malformed_rate and rng.random() < config.malformed_rate:
            bad = rng.choice([b"{not json", b'{"request_id": 5}', b"[]", "\udcff".encode("utf-8", "surrogatepass")])
            put(i + 0.25, (rng.choice([req_topic, fb_topic]), None, bad))
            summary.malformed += 1
    slots.sort(key=lambda slot: (slot[0], slot[1]))
    messages = [message for _, _, message in slots]
    summary.messages = len(messages)
    return messages, summary
