from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logins, API tokens, lockout and credential revocation; depends on no other app of ours."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "config.accounts"
    label = "accounts"  # the app label its migrations and tables were created under
