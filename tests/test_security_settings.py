"""Deploy settings: placeholder secrets refused, `check --deploy` clean, no demo accounts, one default module."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**overrides: str) -> dict[str, str]:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        FEEDBACK_HASH_SALT="x",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    env.update(overrides)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own thread; never in production
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETUP = [sys.executable, "-c", "import django; django.setup()"]


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("change-me", "placeholder"),
        ("CHANGE-ME", "placeholder"),
        ("change-me-to-something-long-enough-for-the-length-rule", "placeholder"),
        ("django-insecure-" + "k" * 50, "placeholder"),
        (secrets.token_urlsafe(20), "at least 50 random characters"),
        ("x" * 64, "at least 50 random characters"),
    ],
)
def test_production_refuses_placeholder_and_weak_secret_keys(secret, message):
    result = _run(SETUP, _production_env(DJANGO_SECRET_KEY=secret))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_the_example_feature_salt():
    result = _run(SETUP, _production_env(FEEDBACK_HASH_SALT="change-me-too"))
    assert result.returncode != 0
    assert "FEEDBACK_HASH_SALT is a placeholder" in result.stderr


def test_check_deploy_prints_no_warning():
    result = _run([sys.executable, "manage.py", "check", "--deploy"], _production_env())
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output.upper()


def test_seed_demo_refuses_to_run_under_production_settings():
    result = _run([sys.executable, "manage.py", "seed_demo"], _production_env())
    assert result.returncode != 0
    assert "seed_demo creates accounts with published passwords and refuses to run" in result.stderr


def test_manage_py_and_wsgi_default_to_the_same_module():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY"}}
    from config.settings import DEFAULT_SETTINGS_MODULE

    show = "from django.conf import settings; print(settings.SETTINGS_MODULE)"
    for args in (
        [sys.executable, "manage.py", "shell", "-c", show],
        [sys.executable, "-c", f"import config.wsgi; {show}"],
        [sys.executable, "-c", f"from config.celery import app; app.loader.import_default_modules(); {show}"],
    ):
        result = _run(args, env)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.strip().splitlines()[-1] == DEFAULT_SETTINGS_MODULE, args
    # Every deployment this repository ships names production explicitly
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in (ROOT / "Dockerfile").read_text()
    assert "DJANGO_SETTINGS_MODULE: config.settings.production" in (ROOT / "docker-compose.yml").read_text()


def test_production_security_headers_and_cookies():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.EMAIL_BACKEND)"
    )
    result = _run([sys.executable, "-c", code], _production_env(EMAIL_HOST="smtp.example.org"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS": "1"},
            "FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS=1 with an empty FEEDBACK_FEATURE_PATHS_DROP",
        ),
        (
            {"FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS": "1", "FEEDBACK_FEATURE_PATHS_DROP": ""},
            "or set FEEDBACK_ALLOW_UNREDACTED_FEATURES=1",
        ),
        (
            {"FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS": "1", "FEEDBACK_ALLOW_UNREDACTED_FEATURES": "0"},
            "email, user.email and user.phone would be stored as sent",
        ),
        ({"FEEDBACK_CLOCK_SKEW_ALLOWANCE_S": "-1"}, "FEEDBACK_CLOCK_SKEW_ALLOWANCE_S must be between 0 and 300"),
        ({"FEEDBACK_CLOCK_SKEW_ALLOWANCE_S": "301"}, "FEEDBACK_CLOCK_SKEW_ALLOWANCE_S must be between 0 and 300"),
        ({"FEEDBACK_IDLE_PARTITION_LATENESS_S": "-1"}, "FEEDBACK_IDLE_PARTITION_LATENESS_S must be 0 or more"),
        ({"FEEDBACK_DEAD_LETTER_RETENTION_DAYS": "0"}, "FEEDBACK_DEAD_LETTER_RETENTION_DAYS must be at least 1"),
        ({"FEEDBACK_DEAD_LETTER_RETENTION_DAYS": "-3"}, "FEEDBACK_DEAD_LETTER_RETENTION_DAYS must be at least 1"),
    ],
)
def test_production_refuses_unsafe_feedback_settings(overrides, message):
    result = _run(SETUP, _production_env(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_accepts_safe_feedback_settings():
    """The bounds themselves, a replaced drop list that is not empty, and the explicit acknowledgement pass."""
    show = (
        "import django; django.setup(); from feedback import conf as c; "
        "print(c.feature_paths_drop(), c.clock_skew_allowance_s(), c.idle_partition_lateness_s(), "
        "c.dead_letter_retention_days())"
    )
    for overrides, expected in (
        (
            {"FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS": "1", "FEEDBACK_FEATURE_PATHS_DROP": "user.email,card",
             "FEEDBACK_CLOCK_SKEW_ALLOWANCE_S": "300", "FEEDBACK_IDLE_PARTITION_LATENESS_S": "0",
             "FEEDBACK_DEAD_LETTER_RETENTION_DAYS": "1"},
            "['user.email', 'card'] 300.0 0.0 1.0",
        ),
        (
            {"FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS": "1", "FEEDBACK_ALLOW_UNREDACTED_FEATURES": "1"},
            "[] 0.0 5.0 14.0",
        ),
    ):  # fmt: skip
        result = _run([sys.executable, "-c", show], _production_env(**overrides))
        assert result.returncode == 0, (overrides, result.stderr)
        assert result.stdout.strip() == expected


def test_feedback_defaults_pass_the_production_rules():
    """production.py checks only what the environment sets; the defaults it leaves in place must pass too."""
    from config.feedback_rules import feedback_settings_problems
    from feedback.conf import DEFAULTS

    assert feedback_settings_problems(DEFAULTS, allow_unredacted=False) == []
    assert feedback_settings_problems({**DEFAULTS, "FEATURE_PATHS_REPLACE_DEFAULTS": True}, allow_unredacted=False)
