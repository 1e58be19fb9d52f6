from __future__ import annotations

import pytest

from ingestion.privacy import PrivacyPolicy, features_apply_privacy, value_hash
from tests.feedback.helpers import feed, make_rule, req, request_bytes

POLICY = PrivacyPolicy(
    drop_paths=(("email",), ("user", "phone")),
    hash_paths=(("ip",), ("user", "id")),
    salt=b"salt",
    opt_out_user_ids=frozenset({"opted-out"}),
)


def test_paths_are_dropped_or_hashed_and_the_input_is_left_alone():
    features = {"email": "a@b.c", "ip": "10.0.0.1", "user": {"phone": "123", "id": 42, "age": 30}, "x": 1}
    out = features_apply_privacy(features, policy=POLICY)
    assert out == {"ip": value_hash("10.0.0.1", salt=b"salt"), "user": {"id": value_hash(42, salt=b"salt"), "age": 30},
                   "x": 1}  # fmt: skip
    assert features["email"] == "a@b.c" and features["user"]["phone"] == "123"
    assert value_hash("10.0.0.1", salt=b"other") != out["ip"]


def test_missing_paths_and_non_objects_are_ignored():
    assert features_apply_privacy({"user": "plain"}, policy=POLICY) == {"user": "plain"}


@pytest.mark.django_db
def test_opted_out_user_is_not_stored(settings):
    from ingestion import privacy

    settings.FEEDBACK = {**settings.FEEDBACK, "OPT_OUT_USER_IDS": ["opted-out"]}
    privacy.privacy_policy.cache_clear()
    try:
        make_rule()
        result = feed(req(request_bytes("r1", user_id="opted-out")))
        from feedback.models import InferenceRequest

        stored = InferenceRequest.objects.get(pk="r1")
        assert result.stats["requests_suppressed"] == 1
        assert (stored.state, stored.user_id, stored.features) == ("suppressed", None, None)
    finally:
        privacy.privacy_policy.cache_clear()
