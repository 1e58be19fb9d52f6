from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Endpoints staff register and the deliveries of outbox events to them; depends only on config.outbox."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "config.webhooks"
    label = "webhooks"
