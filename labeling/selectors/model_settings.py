"""A project's model options (ModelSettings), with every option off when the project has no row."""

from __future__ import annotations

from labeling.models import ModelSettings, Project


def model_settings_get(*, project: Project) -> ModelSettings:
    """The stored options, or an unsaved row holding the defaults (everything off)."""
    found = ModelSettings.objects.filter(project=project).first()
    return found if found is not None else ModelSettings(project=project)


def machine_rater_key(model: str, version: str) -> str:
    """How a model rater is named wherever votes or reliabilities are listed."""
    return f"model:{model}@{version}"


def machine_rater_for(*, project: Project) -> tuple[str, str, str] | None:
    """(model, version, rater key) of the model counted as a rater on this project, or None."""
    row = ModelSettings.objects.filter(project=project).values_list("rater_model", "rater_version").first()
    if not row or not row[0] or not row[1]:
        return None
    return row[0], row[1], machine_rater_key(row[0], row[1])
