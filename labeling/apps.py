from django.apps import AppConfig


class LabelingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labeling"

    def ready(self) -> None:
        from labeling import checks  # noqa: F401 - registers the start-up checks
