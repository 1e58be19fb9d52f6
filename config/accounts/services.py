"""The one write path for API tokens and for revoking a user's credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings


def _token_limit() -> int | None:
    return settings.REST_KNOX.get("TOKEN_LIMIT_PER_USER")


@transaction.atomic
def token_issue(*, user: Any) -> tuple[str, datetime | None]:
    """A new API token for the user: (the key, shown once and never stored; its expiry).

    Only the SHA-512 digest (and knox's 15-character lookup prefix) reaches the database. Past the
    per-user limit the oldest tokens go. Locks the user's row so concurrent logins keep to the limit.
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    AuthToken.objects.filter(user=user, expiry__lt=now).delete()
    limit = _token_limit()
    if limit is not None:
        keep = AuthToken.objects.filter(user=user).order_by("-created").values("pk")[: max(limit - 1, 0)]
        AuthToken.objects.filter(user=user).exclude(pk__in=keep).delete()
    instance, key = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
    return key, instance.expiry


@transaction.atomic
def token_refresh(*, token: AuthToken) -> tuple[str, datetime | None]:
    """Rotate: the presented token is deleted and a new one with a full lifetime is issued."""
    user = token.user
    AuthToken.objects.filter(pk=token.pk).delete()
    return token_issue(user=user)


def token_revoke(*, token: AuthToken) -> None:
    AuthToken.objects.filter(pk=token.pk).delete()


def _session_ids_of(user: Any) -> list[str]:
    """Keys of the user's live sessions. The session table has no user column, so live rows are decoded."""
    user_pk = str(user.pk)
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == user_pk:
            keys.append(session.session_key)
    return keys


@transaction.atomic
def user_credentials_revoke(*, user: Any) -> int:
    """Delete every API token and every session of the user; returns how many credentials went.

    Called on each password change (accounts.validators) and on deactivation (`user_deactivate`).
    A user who never logged in has no session, so sign-up does not pay for the session scan.
    """
    tokens, _ = AuthToken.objects.filter(user=user).delete()
    sessions = 0
    if get_user_model().objects.filter(pk=user.pk, last_login__isnull=False).exists():
        sessions, _ = Session.objects.filter(session_key__in=_session_ids_of(user)).delete()
    return tokens + sessions


@transaction.atomic
def user_deactivate(*, user: Any) -> Any:
    """Staff deactivation: the account can no longer log in and loses every token and session now."""
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    user_credentials_revoke(user=user)
    return user
