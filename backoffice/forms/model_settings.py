"""The setup page's form of a project's model options. It checks types only; `model_settings_update`
holds every rule (share ranges, name length, a model rater needs both name and version), as for the API."""

from __future__ import annotations

from typing import Any

from django import forms

from labeling.models import ActiveLearning, ModelSettings

SHARE = {"min": "0", "max": "1", "step": "0.01", "inputmode": "decimal"}

# Fieldsets in page order; together they are every option the service accepts (a test checks it).
MODEL_FIELDSETS = [
    ("Which predictions", ["source_model", "source_version"]),
    ("Suggestions to raters", ["preannotations", "preannotation_control_share"]),
    ("Active learning", ["active_learning", "active_learning_random_share"]),
    ("Model as a machine rater", ["rater_model", "rater_version"]),
]
MODEL_FIELDS = [name for _, group in MODEL_FIELDSETS for name in group]


def _name(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        required=False, label=label, help_text=help_text, widget=forms.TextInput(attrs={"maxlength": 100})
    )


def _share(label: str, help_text: str) -> forms.FloatField:
    return forms.FloatField(label=label, help_text=help_text, widget=forms.NumberInput(attrs=SHARE))


class ModelSettingsForm(forms.Form):
    """Every option of `ModelSettings`, prefilled with what the project has (defaults: all off)."""

    source_model = _name(
        "Source model",
        "The model whose predictions order the queue and are shown as suggestions. "
        "Blank: each item's latest prediction, from any model.",
    )
    source_version = _name(
        "Source version", "That model's version. Blank: each item's latest prediction from it; ignored without a model."
    )
    preannotations = forms.BooleanField(
        required=False,
        label="Show the model's answer to raters as a suggestion",
        help_text="Off: raters label blind. Gold, exam and practice items never show a suggestion.",
    )
    preannotation_control_share = _share(
        "Suggestion control share",
        "Share of items (0 to 1) that never show the suggestion, to measure how much raters follow it. "
        "Each item's draw is made once at random and stored, so an item stays in its arm when predictions "
        "change. Keep it well above the gold ratio, or a missing suggestion gives gold away.",
    )
    active_learning = forms.ChoiceField(
        choices=ActiveLearning.choices,
        label="Active learning",
        help_text="Serve the items the model is least sure of first (margin or entropy of its probabilities). "
        "Saving a change reorders the queue at once; off keeps the last order.",
    )
    active_learning_random_share = _share(
        "Active-learning control share",
        "Share of items (0 to 1) served in random order as the control stream, to measure what active "
        "learning gains. Drawn once per item and stored, like the suggestion arm.",
    )
    rater_model = _name(
        "Rater model",
        "Count this model's predictions as one more vote in resolution and adaptive overlap, weighted by "
        "its fitted reliability. A machine is never paid and never in the crowd's alpha. Blank: no model votes.",
    )
    rater_version = _name(
        "Rater version",
        "The version whose predictions vote; needed with a rater model. An adaptive item still needs its "
        "minimum of people.",
    )

    def __init__(self, *args: Any, settings: ModelSettings | None = None, **kwargs: Any) -> None:
        if settings is not None and "initial" not in kwargs:
            kwargs["initial"] = forms.model_to_dict(settings, fields=MODEL_FIELDS)
        super().__init__(*args, **kwargs)

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in group]) for title, group in MODEL_FIELDSETS]
