"""Keyed, stable pseudonyms for the people behind dataset rows.

Exports name raters by `RaterProfile.pseudonym` when they have one, otherwise by an HMAC of their
user id under SECRET_KEY: stable across builds, meaningless without the key. Erasure looks rows up
by the same tokens, so the raw id never has to be stored in a dataset.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _digest(message: str, length: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:length]


def rater_derived_pseudonym(*, user_id: int) -> str:
    return f"r-{_digest(f'rater:{user_id}', 16)}"


def rater_token(*, user_id: int) -> str:
    """The erasure tombstone of a rater (independent of any profile pseudonym)."""
    return f"rater:{_digest(f'rater-token:{user_id}', 32)}"


def feedback_user_token(*, user_id: str) -> str:
    """The subject token stored on direct-label rows of an end user; also their erasure tombstone."""
    return f"fu:{_digest(f'feedback-user:{user_id}', 32)}"


def rater_pseudonyms(*, user_ids: set[int]) -> dict[int, str]:
    """Pseudonym per user id: the profile's when present, else the derived one."""
    from raters.models import RaterProfile

    found = dict(RaterProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "pseudonym"))
    return {user_id: found.get(user_id) or rater_derived_pseudonym(user_id=user_id) for user_id in user_ids}
