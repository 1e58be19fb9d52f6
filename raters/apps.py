from django.apps import AppConfig


class RatersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "raters"
