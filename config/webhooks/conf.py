"""Webhook delivery settings: `settings.WEBHOOKS`, with every default here (config/app_settings.py)."""

from __future__ import annotations

from typing import Any

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    # Seconds to connect and, separately, to wait for the answer.
    "TIMEOUT_SECONDS": 10.0,
    # A delivery is retried for this long after its first attempt; then it fails and its endpoint is failing.
    "RETRY_PERIOD_SECONDS": 24 * 3600,
    # Exponential backoff with full jitter: the n-th retry waits uniform(0, min(MAX, BASE * 2**(n-1))).
    "BACKOFF_BASE_SECONDS": 5.0,
    "BACKOFF_MAX_SECONDS": 3600.0,
    # A claimed delivery is another worker's again after this (a killed worker's send is retried).
    "LEASE_SECONDS": 60.0,
    # Refuse private, loopback, link-local and reserved addresses (SSRF). Local and test settings turn it off.
    "BLOCK_PRIVATE_ADDRESSES": True,
    # How long the previous secret keeps signing after a rotation.
    "ROTATION_OVERLAP_SECONDS": 24 * 3600,
    "DISPATCH_BATCH": 500,
    "SEND_BATCH": 100,
    "SEND_CONCURRENCY": 8,
    # A delivery run keeps connections to at most this many (scheme, host, port, address) keys, each with
    # at most SEND_CONCURRENCY connections; the least recently used key's are closed first.
    "POOL_MAX_HOSTS": 32,
}

webhooks_settings = AppSettings("WEBHOOKS", DEFAULTS)


def timeout_seconds() -> float:
    return float(webhooks_settings.get("TIMEOUT_SECONDS"))


def retry_period_seconds() -> float:
    return float(webhooks_settings.get("RETRY_PERIOD_SECONDS"))


def backoff_base_seconds() -> float:
    return float(webhooks_settings.get("BACKOFF_BASE_SECONDS"))


def backoff_max_seconds() -> float:
    return float(webhooks_settings.get("BACKOFF_MAX_SECONDS"))


def lease_seconds() -> float:
    return float(webhooks_settings.get("LEASE_SECONDS"))


def block_private_addresses() -> bool:
    return bool(webhooks_settings.get("BLOCK_PRIVATE_ADDRESSES"))


def rotation_overlap_seconds() -> float:
    return float(webhooks_settings.get("ROTATION_OVERLAP_SECONDS"))


def dispatch_batch() -> int:
    return int(webhooks_settings.get("DISPATCH_BATCH"))


def send_batch() -> int:
    return int(webhooks_settings.get("SEND_BATCH"))


def send_concurrency() -> int:
    return int(webhooks_settings.get("SEND_CONCURRENCY"))


def pool_max_hosts() -> int:
    return int(webhooks_settings.get("POOL_MAX_HOSTS"))
