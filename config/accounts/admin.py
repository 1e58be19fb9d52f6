"""The user admin: unticking "active" goes through `user_deactivate`, so the account's tokens and sessions go too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from config.accounts.services import user_deactivate

User = get_user_model()


class AccountUserAdmin(UserAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # saved as before; user_deactivate makes the change and revokes
        super().save_model(request, obj, form, change)
        if deactivating:
            user_deactivate(user=obj)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
