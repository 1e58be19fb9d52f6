from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The outbox lives in the lowest layer so that every app can emit events; it imports no app of ours."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "config.outbox"
    label = "outbox"
