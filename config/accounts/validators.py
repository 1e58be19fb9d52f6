"""Revoke a user's credentials when the password changes, whatever path changed it.

Django calls `password_changed()` of every AUTH_PASSWORD_VALIDATORS entry from `AbstractBaseUser.save()`
after `set_password()`: the password-change and reset forms, the admin, `changepassword`. Hooking there,
not in each view, means no path can forget it. It validates nothing itself.
"""

from __future__ import annotations

from typing import Any


class RevokeCredentialsOnPasswordChange:
    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from config.accounts.services import user_credentials_revoke

        user_credentials_revoke(user=user)

    def get_help_text(self) -> str:
        return "Changing your password signs you out everywhere else."
