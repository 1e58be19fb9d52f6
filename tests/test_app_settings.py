"""Namespaced settings: defaults in each app's conf.py, read lazily; base.py only reads the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from feedback import conf as feedback_conf
from ingestion import conf as ingestion_conf
from labeling.conf import item_upload_max_bytes
from raters.conf import diversity_min_k, feedback_block, rate_limit

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_apply_when_nothing_is_set():
    with override_settings(LABELING={}, RATERS={}, FEEDBACK={}, KAFKA={}):
        assert item_upload_max_bytes() == 50 * 1024 * 1024
        assert (diversity_min_k(), feedback_block(), rate_limit("signup_address")) == (5, 10, "10/hour")
        assert feedback_conf.requests_topic() == "inference-requests" and feedback_conf.hash_salt() == ""
        assert ingestion_conf.bootstrap_servers() == ["127.0.0.1:9092"] and ingestion_conf.client_id() == "labeling"


def test_a_set_value_wins_at_once_and_dicts_merge_with_their_defaults():
    with override_settings(
        LABELING={"ITEM_UPLOAD_MAX_BYTES": 200}, RATERS={"RATE_LIMITS": {"signup_campaign": "1/day"}}
    ):
        assert item_upload_max_bytes() == 200
        assert rate_limit("signup_campaign") == "1/day" and rate_limit("signup_address") == "10/hour"
    assert item_upload_max_bytes() == 50 * 1024 * 1024


def test_accessors_keep_their_floors():
    with override_settings(RATERS={"DIVERSITY_MIN_K": 1, "FEEDBACK_BLOCK": 0}):
        assert diversity_min_k() == 2 and feedback_block() == 1


def test_an_unknown_key_is_refused():
    # A misspelt or retired key (e.g. LABELING["RATER_FEEDBACK_BLOCK"], now RATERS["FEEDBACK_BLOCK"]) fails loudly
    with override_settings(LABELING={"RATER_FEEDBACK_BLOCK": 3}), pytest.raises(ImproperlyConfigured, match="RATER_"):
        item_upload_max_bytes()


def test_base_settings_hold_only_what_the_environment_sets():
    # Given an environment without any of the namespaced variables, base.py's namespaces are empty
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABELING_", "RATERS_", "FEEDBACK_", "KAFKA_"))}
    code = (
        "import config.settings.base as b; print(b.LABELING, b.RATERS, b.FEEDBACK, b.KAFKA, b.KAFKA_CONSUMERS, sep='|')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "{}|{}|{}|{}|{'feedback-join': {}}"
    # And a variable that is set arrives, typed
    env["RATERS_FEEDBACK_BLOCK"] = "7"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("|")[1] == "{'FEEDBACK_BLOCK': 7}"
