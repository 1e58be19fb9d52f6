"""The SSRF block is on in production (and cannot be turned off there), off in local development."""

from __future__ import annotations

import sys

from tests.test_security_settings import SETUP, _production_env, _run

SHOW = [sys.executable, "-c", "import django; django.setup(); from config.webhooks import conf; "
        "print('block', conf.block_private_addresses())"]  # fmt: skip


def test_production_blocks_private_addresses_by_default():
    result = _run(SHOW, _production_env())
    assert result.returncode == 0, result.stderr
    assert "block True" in result.stdout


def test_production_refuses_to_start_with_the_block_off():
    result = _run(SETUP, _production_env(WEBHOOKS_BLOCK_PRIVATE_ADDRESSES="false"))
    assert result.returncode != 0
    assert "WEBHOOKS_BLOCK_PRIVATE_ADDRESSES cannot be off in production" in result.stderr


def test_local_development_delivers_to_loopback():
    result = _run(SHOW, {**_production_env(), "DJANGO_SETTINGS_MODULE": "config.settings.local"})
    assert result.returncode == 0, result.stderr
    assert "block False" in result.stdout
