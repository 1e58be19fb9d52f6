"""Password guessing on every login path: the token API, the rater login, the dashboard login, the admin login.

The attacker sends 25 wrong passwords, then the right one. Test settings raise the limits far above any
test's needs; these tests put the shipped defaults back (10 failures, rate limits) to prove them.
"""

from __future__ import annotations

import itertools
import secrets
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from config.settings import base

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
COOL_OFF = timedelta(seconds=2)
SHIPPED_LIMITS = override_settings(AXES_FAILURE_LIMIT=base.AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME=COOL_OFF)
_octets = itertools.count(1)


def _address() -> str:
    """A fresh loopback address per attacker, so runs never share a throttle or lockout bucket."""
    n = secrets.randbelow(2**16) * 256 + next(_octets) % 250 + 1
    return f"127.{(n >> 16) % 256}.{(n >> 8) % 256}.{n % 256}"


def _user(*, staff: bool = False):
    name = f"victim-{secrets.token_hex(4)}"
    return get_user_model().objects.create_user(name, password=PASSWORD, is_staff=staff)


LOGIN_PATHS = {
    # path: (json body?, status of a successful login)
    "/api/auth/token/": (True, 200),
    "/accounts/login/": (False, 302),
    "/dashboard/login/": (False, 302),
    "/admin/login/": (False, 302),
}


def _attempt(path: str, username: str, password: str, address: str):
    as_json, _ = LOGIN_PATHS[path]
    client = Client(REMOTE_ADDR=address)
    data = {"username": username, "password": password}
    if as_json:
        return client.post(path, data, content_type="application/json")
    return client.post(path, data)


def _assert_refused_429(response, path: str) -> None:
    assert response.status_code == 429, (path, response.status_code)
    assert int(response["Retry-After"]) >= 1
    if path.startswith("/api/"):
        body = response.json()
        assert set(body) == {"message", "extra"} and body["extra"]["code"] == "login_locked"
    else:
        assert b"Too many" in response.content


@pytest.mark.parametrize("path", list(LOGIN_PATHS))
@SHIPPED_LIMITS
def test_25_wrong_passwords_lock_the_account_until_the_cool_off_ends(path):
    # Given an account, and an attacker who changes address on every guess (so only the account can be counted)
    user = _user(staff=True)

    # When 25 wrong passwords arrive
    statuses = [_attempt(path, user.username, f"guess-{i}", _address()).status_code for i in range(25)]

    # Then the lockout starts at the limit, and from then on every answer is 429
    limit = base.AXES_FAILURE_LIMIT
    assert 429 not in statuses[: limit - 1]
    assert statuses[limit - 1 :] == [429] * (25 - limit + 1)
    # and the right password is refused too, from a fresh address, while the lockout lasts
    right = _attempt(path, user.username, PASSWORD, _address())
    _assert_refused_429(right, path)
    assert int(right["Retry-After"]) == int(COOL_OFF.total_seconds())

    # When the cool-off has passed, the right password works again
    time.sleep(COOL_OFF.total_seconds() + 0.2)
    assert _attempt(path, user.username, PASSWORD, _address()).status_code == LOGIN_PATHS[path][1]


@pytest.mark.parametrize("path", list(LOGIN_PATHS))
@SHIPPED_LIMITS
def test_one_address_guessing_many_accounts_is_locked_out(path):
    # Given an attacker on one address trying one password on many accounts (password spraying)
    address = _address()
    statuses = [_attempt(path, f"nobody-{secrets.token_hex(3)}", "Summer2026!", address).status_code for _ in range(25)]

    # Then the address is locked at the limit, even for a real account with its right password
    assert statuses[base.AXES_FAILURE_LIMIT - 1 :] == [429] * (25 - base.AXES_FAILURE_LIMIT + 1)
    _assert_refused_429(_attempt(path, _user(staff=True).username, PASSWORD, address), path)


def _rates(address: str, account: str):
    rates = {"login_address": address, "login_account": account}
    return override_settings(REST_FRAMEWORK={**base.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates})


@pytest.mark.parametrize("path", list(LOGIN_PATHS))
def test_login_rate_per_account_answers_429_with_retry_after(path):
    # Given a rate of 3 logins a minute per account (even successful ones count)
    user = _user(staff=True)
    with _rates("1000/min", "3/min"):
        # When the owner logs in 4 times from different addresses
        responses = [_attempt(path, user.username, PASSWORD, _address()) for _ in range(4)]

    # Then the 4th is refused with 429 and how long to wait
    assert [r.status_code for r in responses[:3]] == [LOGIN_PATHS[path][1]] * 3
    refused = responses[3]
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    if path.startswith("/api/"):
        assert refused.json()["extra"]["code"] == "rate_limited"


@pytest.mark.parametrize("path", list(LOGIN_PATHS))
def test_login_rate_per_address_answers_429(path):
    address = _address()
    with _rates("3/min", "1000/min"):
        statuses = [_attempt(path, _user(staff=True).username, PASSWORD, address).status_code for _ in range(4)]
    assert statuses == [LOGIN_PATHS[path][1]] * 3 + [429]


def test_spoofed_forwarded_for_does_not_buy_new_attempts():
    # Given no trusted proxy (the default), an attacker who sends a new X-Forwarded-For with each guess
    address = _address()
    with _rates("3/min", "1000/min"):
        statuses = [
            Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=_address())
            .post("/api/auth/token/", {"username": f"n-{i}", "password": "x"}, content_type="application/json")
            .status_code
            for i in range(4)
        ]
    # Then the header is ignored: the 4th guess from the same socket address is throttled
    assert statuses == [400, 400, 400, 429]


@SHIPPED_LIMITS
def test_a_refused_login_stores_no_token():
    from knox.models import AuthToken

    user = _user()
    for i in range(base.AXES_FAILURE_LIMIT):
        _attempt("/api/auth/token/", user.username, f"guess-{i}", _address())
    assert _attempt("/api/auth/token/", user.username, PASSWORD, _address()).status_code == 429
    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.parametrize("path", ["/accounts/login/", "/dashboard/login/"])
@SHIPPED_LIMITS
def test_logging_into_an_own_account_between_guesses_does_not_reset_the_count(path):
    # Given an attacker with an account of their own, guessing another account's password from one address
    address = _address()
    own, victim = _user(), _user()
    statuses = []
    for i in range(25):
        # When every few guesses they log into their own account, hoping the success wipes the failures
        if i % 3 == 0:
            _attempt(path, own.username, PASSWORD, address)
        statuses.append(_attempt(path, victim.username, f"guess-{i}", address).status_code)

    # Then the guesses still run into the lockout
    assert 429 in statuses
    assert statuses[-5:] == [429] * 5
    assert _attempt(path, victim.username, PASSWORD, _address()).status_code == 429
