from django.apps import AppConfig


class RatersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "raters"

    def ready(self) -> None:
        from raters import checks  # noqa: F401 - registers the start-up checks
