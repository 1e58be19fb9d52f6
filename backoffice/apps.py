from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff UI: a read model over every other app, imported by none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "backoffice"
