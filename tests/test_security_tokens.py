"""API tokens and sessions: hashed, expiring, rotated on refresh, revoked on password change and deactivation."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.accounts.services import token_issue, user_deactivate

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "another-long-passphrase-2026"


@pytest.fixture
def user():
    return get_user_model().objects.create_user("token-owner", password=PASSWORD)


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser("token-admin", password=PASSWORD)


def _obtain(username: str = "token-owner", password: str = PASSWORD) -> str:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _logged_in(username: str = "token-owner") -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_token_is_stored_hashed(user):
    # Given a token obtained over the API
    key = _obtain()

    # Then no column of its row holds the key: only a SHA-512 digest and knox's 15-character lookup prefix
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken WHERE user_id = %s", [user.pk])
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(key in str(value) for value in rows[0])
    assert AuthToken.objects.get(user=user).digest == hashlib.sha512(key.encode()).hexdigest()
    assert _api(key).get("/api/projects/").status_code == 200


def test_old_plaintext_token_table_is_gone():
    assert "authtoken_token" not in connection.introspection.table_names()


def test_token_has_an_expiry_from_settings(user):
    response = APIClient().post("/api/auth/token/", {"username": "token-owner", "password": PASSWORD}, format="json")
    expiry = AuthToken.objects.get(user=user).expiry
    lifetime = settings.REST_KNOX["TOKEN_TTL"]
    assert abs((expiry - timezone.now()) - lifetime) < timedelta(minutes=1)
    assert response.json()["expiry"] is not None


def test_expired_token_is_refused_with_401(user):
    # Given a token whose lifetime has run out
    key = _obtain()
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))

    # Then it is refused, in the one error shape, and the row is gone
    response = _api(key).get("/api/projects/")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}
    assert not AuthToken.objects.filter(user=user).exists()


def test_refresh_rotates_the_token(user):
    old = _obtain()
    refreshed = _api(old).post("/api/auth/token/refresh/")
    assert refreshed.status_code == 200
    new = refreshed.json()["token"]
    assert new != old
    assert _api(old).get("/api/projects/").status_code == 401
    assert _api(new).get("/api/projects/").status_code == 200


def test_revoke_logs_the_client_out(user):
    key = _obtain()
    other = _obtain()
    assert _api(key).post("/api/auth/token/revoke/").status_code == 204
    assert _api(key).get("/api/projects/").status_code == 401
    assert _api(other).get("/api/projects/").status_code == 200


def test_logout_everywhere_revokes_every_token_and_session(user):
    keys = [_obtain(), _obtain()]
    browser = _logged_in()
    assert _api(keys[0]).post("/api/auth/logout-everywhere/").status_code == 204
    assert [_api(key).get("/api/projects/").status_code for key in keys] == [401, 401]
    assert browser.get("/").status_code == 302


def test_refresh_needs_a_token_not_a_session(user):
    client = APIClient()
    client.force_login(user)
    response = client.post("/api/auth/token/refresh/")
    assert response.status_code == 401


def test_password_change_form_revokes_tokens_and_other_sessions(user):
    # Given a stolen token and a stolen session
    stolen_token = _obtain()
    stolen_session = _logged_in()
    owner = _logged_in()

    # When the owner changes the password through the web form
    response = owner.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content

    # Then the token is refused, the other session is logged out, and the owner's own session goes on
    assert _api(stolen_token).get("/api/projects/").status_code == 401
    assert stolen_session.get("/").status_code == 302
    assert owner.get("/").status_code == 200
    assert not AuthToken.objects.filter(user=user).exists()


def test_admin_password_change_revokes_tokens(user, staff):
    stolen_token = _obtain()
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert _api(stolen_token).get("/api/projects/").status_code == 401


def test_set_password_anywhere_revokes_tokens(user):
    key = _obtain()
    user.set_password(NEW_PASSWORD)
    user.save()
    assert _api(key).get("/api/projects/").status_code == 401


def test_deactivation_revokes_tokens_and_deletes_sessions(user):
    key = _obtain()
    browser = _logged_in()
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value

    user_deactivate(user=user)

    assert _api(key).get("/api/projects/").status_code == 401
    assert not Session.objects.filter(session_key=session_key).exists()
    assert browser.get("/").status_code == 302


def test_unticking_active_in_the_admin_deactivates_through_the_service(user, staff):
    key = _obtain()
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": user.username,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
            "is_active": "",
        },
    )
    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert user.is_active is False
    assert _api(key).get("/api/projects/").status_code == 401


def test_session_lifetime_comes_from_settings(user):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    browser = _logged_in()
    assert int(browser.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 12 * 3600
    session = Session.objects.get(session_key=browser.cookies[settings.SESSION_COOKIE_NAME].value)
    assert abs((session.expire_date - timezone.now()) - timedelta(hours=12)) < timedelta(minutes=1)


def test_token_issue_keeps_to_the_per_user_limit(user):
    limit = settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]
    keys = [token_issue(user=user)[0] for _ in range(limit + 3)]
    assert AuthToken.objects.filter(user=user).count() == limit
    assert _api(keys[0]).get("/api/projects/").status_code == 401
    assert _api(keys[-1]).get("/api/projects/").status_code == 200


def test_password_reset_by_mail_works_and_revokes_tokens(user):
    from django.core import mail

    user.email = "owner@example.org"
    user.save(update_fields=["email"])
    stolen = _obtain()

    # When the owner asks for a reset and follows the link in the mail
    assert Client().post("/accounts/password_reset/", {"email": user.email}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"(/accounts/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    browser = Client()
    form_url = browser.get(link)["Location"]
    response = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content

    # Then the new password works and the stolen token does not
    assert _api(stolen).get("/api/projects/").status_code == 401
    assert _obtain(password=NEW_PASSWORD)


def test_password_reset_without_a_mail_server_says_so(settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    response = Client().get("/accounts/password_reset/")
    assert response.status_code == 503
    assert b"not set up on this server" in response.content
