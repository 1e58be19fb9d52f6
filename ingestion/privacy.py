"""Privacy at ingestion: configured feature paths are dropped or hashed, opted-out users are not kept."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from feedback import conf as feedback_conf


@dataclass(frozen=True)
class PrivacyPolicy:
    drop_paths: tuple[tuple[str, ...], ...]
    hash_paths: tuple[tuple[str, ...], ...]
    salt: bytes
    opt_out_user_ids: frozenset[str] = field(default_factory=frozenset)

    def is_opted_out(self, user_id: str | None) -> bool:
        return user_id is not None and user_id in self.opt_out_user_ids


@lru_cache(maxsize=1)
def privacy_policy() -> PrivacyPolicy:
    return PrivacyPolicy(
        drop_paths=tuple(tuple(p.split(".")) for p in feedback_conf.feature_paths_drop()),
        hash_paths=tuple(tuple(p.split(".")) for p in feedback_conf.feature_paths_hash()),
        salt=feedback_conf.hash_salt().encode(),
        opt_out_user_ids=frozenset(feedback_conf.opt_out_user_ids()),
    )


def value_hash(value: Any, *, salt: bytes) -> str:
    """Keyed hash, so equal values stay joinable as features but cannot be looked up without the salt."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return "h:" + hmac.new(salt, text.encode(), hashlib.sha256).hexdigest()[:32]


def _apply(features: dict, path: tuple[str, ...], action: str, salt: bytes) -> dict:
    """Return `features` with `path` dropped/hashed, copying only the dicts on the path (input untouched)."""
    head = path[0]
    if head not in features:
        return features
    out = dict(features)
    if len(path) == 1:
        if action == "drop":
            del out[head]
        else:
            out[head] = value_hash(out[head], salt=salt)
        return out
    child = out[head]
    if isinstance(child, dict):
        out[head] = _apply(child, path[1:], action, salt)
    return out


def features_apply_privacy(features: dict, *, policy: PrivacyPolicy | None = None) -> dict:
    policy = policy or privacy_policy()
    for path in policy.drop_paths:
        features = _apply(features, path, "drop", policy.salt)
    for path in policy.hash_paths:
        features = _apply(features, path, "hash", policy.salt)
    return features


def payload_redact(raw: bytes | None, *, policy: PrivacyPolicy | None = None) -> bytes | None:
    """A dead letter's value with the privacy paths applied, or None when it is not a JSON object (then the
    original bytes are kept, as documented). An opted-out user's message keeps only its ids."""
    if raw is None:
        return None
    policy = policy or privacy_policy()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("user_id"), str) and policy.is_opted_out(data["user_id"]):
        data = {k: data[k] for k in ("schema_version", "request_id", "event_id") if k in data}
        data["redacted"] = "opted_out"
    elif isinstance(data.get("features"), dict):
        data["features"] = features_apply_privacy(data["features"], policy=policy)
    elif "features" in data:
        data["features"] = None  # not an object: the paths cannot be applied, so nothing of it is kept
    return json.dumps(data, separators=(",", ":")).encode()
