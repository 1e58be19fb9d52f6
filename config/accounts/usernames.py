"""The one username policy, for every path that creates a user.

NFKC first (so a full-width "ａdmin" is "admin"), then: 2 to 150 characters; letters, ASCII digits and
`._-`; starts and ends with a letter or digit; letters from one script (a Cyrillic "а" in a Latin name
is refused, Japanese may mix kana and kanji). Invisible, bidirectional-control and markup characters are
none of these, so they are refused. Case-insensitive uniqueness is the database's job (the unique index
on lower(username) in this app's migrations); this module only decides what a name may look like.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

MIN_LENGTH = 2
MAX_LENGTH = 150
PUNCTUATION = "._-"
# Scripts that are written together; a name may use one group.
_SCRIPT_GROUPS = {"HIRAGANA": "JAPANESE", "KATAKANA": "JAPANESE", "CJK": "JAPANESE"}


def username_normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _script(char: str) -> str:
    first = unicodedata.name(char, "UNKNOWN").split(" ")[0].split("-")[0]
    return _SCRIPT_GROUPS.get(first, first)


def username_problem(value: str) -> str | None:
    """Why the (already normalised) name is refused, or None."""
    if value != unicodedata.normalize("NFKC", value):
        return "is not in NFKC normal form"
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        return f"must be {MIN_LENGTH} to {MAX_LENGTH} characters long"
    scripts = set()
    for char in value:
        if char in PUNCTUATION or char in "0123456789":
            continue
        if not unicodedata.category(char).startswith("L"):
            return f"may only contain letters, digits and {PUNCTUATION} (not {unicodedata.name(char, repr(char))})"
        scripts.add(_script(char))
    if len(scripts) > 1:
        return f"mixes scripts ({', '.join(sorted(scripts))})"
    if value[0] in PUNCTUATION or value[-1] in PUNCTUATION:
        return "must start and end with a letter or digit"
    return None


@deconstructible
class UsernamePolicyValidator:
    """A model-field and form validator: createsuperuser, the admin and forms run it."""

    code = "bad_username"

    def __call__(self, value: str) -> None:
        problem = username_problem(value)
        if problem:
            raise ValidationError(f"The username {problem}.", code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UsernamePolicyValidator)


def username_field_guard() -> None:
    """Add the policy to the username field's validators (not to its migration state: only the validators
    cache is extended, so `makemigrations` sees no change to django.contrib.auth)."""
    from django.contrib.auth import get_user_model

    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    if not any(isinstance(v, UsernamePolicyValidator) for v in field.validators):
        field.__dict__["validators"] = [*field.validators, UsernamePolicyValidator()]
