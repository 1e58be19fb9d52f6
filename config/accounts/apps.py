from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logins, API tokens, lockout and credential revocation; depends on no other app of ours."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "config.accounts"
    label = "accounts"  # the app label its migrations and tables were created under

    def ready(self) -> None:
        """Install the input guard and the username policy once, for every entry point (config/ has no app
        of its own; this one owns users)."""
        from config import input_guard
        from config.accounts.usernames import username_field_guard

        input_guard.install()
        username_field_guard()
