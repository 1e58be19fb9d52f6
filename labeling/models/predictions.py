"""A model's predictions per item, and how a project uses them: as a rater, as suggestions, as a queue order.

Kept in tables of their own (not columns on Item, Assignment or Project) so the crowd's tables stay
what they were: a project that never imports a prediction behaves exactly as before.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Prediction(models.Model):
    """One model version's output for one item. Re-importing (model, version, item) replaces it."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="predictions")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="predictions")
    model = models.CharField(max_length=100)
    version = models.CharField(max_length=100)
    value = models.JSONField()
    score = models.FloatField(null=True, blank=True)
    # {label key: probability}, summing to 1; null when the model gave only a value.
    probabilities = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "model", "version"], name="prediction_item_model_unique"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1)), name="prediction_score_range"
            ),
        ]
        indexes = [models.Index(fields=["project", "model", "version", "id"], name="prediction_project_idx")]


class ActiveLearning(models.TextChoices):
    OFF = "off", "Off (import order and item priority)"
    MARGIN = "margin", "Smallest margin between the two likeliest labels first"
    ENTROPY = "entropy", "Highest entropy first"


class ModelSettings(models.Model):
    """A project's use of model predictions. Without a row every option is off (`DEFAULTS` in the selector)."""

    project = models.OneToOneField("labeling.Project", on_delete=models.CASCADE, related_name="model_settings")
    # The model version counted as one more rater in aggregation; blank: none.
    rater_model = models.CharField(max_length=100, blank=True, default="")
    rater_version = models.CharField(max_length=100, blank=True, default="")
    # The model version whose predictions order the queue and are shown as suggestions; blank: the latest import.
    source_model = models.CharField(max_length=100, blank=True, default="")
    source_version = models.CharField(max_length=100, blank=True, default="")
    # Suggestions (pre-annotations) shown to raters: off by default, so raters label blind.
    preannotations = models.BooleanField(default=False)
    preannotation_control_share = models.FloatField(default=0.2)
    active_learning = models.CharField(max_length=8, choices=ActiveLearning.choices, default=ActiveLearning.OFF)
    active_learning_random_share = models.FloatField(default=0.2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(preannotation_control_share__gte=0) & Q(preannotation_control_share__lte=1),
                name="model_settings_control_share_range",
            ),
            models.CheckConstraint(
                condition=Q(active_learning_random_share__gte=0) & Q(active_learning_random_share__lte=1),
                name="model_settings_random_share_range",
            ),
        ]


class QueueStream(models.TextChoices):
    UNCERTAINTY = "uncertainty", "Uncertainty order"
    CONTROL = "control", "Random control"


class ItemModelState(models.Model):
    """Per item, the random draws that make the model's use measurable: its queue stream and suggestion arm.

    Both are drawn once at random and stored (not derived from ids or hashes), so neither can be guessed
    from anything a rater sees, and a comparison between the arms stays fixed as predictions are refreshed.
    """

    item = models.OneToOneField("labeling.Item", on_delete=models.CASCADE, related_name="model_state")
    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=12, choices=QueueStream.choices, blank=True, default="")
    stream_draw = models.FloatField()
    suggestion_draw = models.FloatField()
    uncertainty = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "stream"], name="item_model_state_stream_idx")]


class SuggestionExposure(models.Model):
    """Whether a lease showed the model's suggestion: the record the keep-rate comparison reads."""

    assignment = models.OneToOneField("labeling.Assignment", on_delete=models.CASCADE, related_name="suggestion")
    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="+")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shown = models.BooleanField()
    # The model's value at the time, also for control leases (not shown), so both arms compare with it.
    suggested_value = models.JSONField()
    model = models.CharField(max_length=100)
    version = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "shown"], name="suggestion_project_idx")]


class MachineReliability(models.Model):
    """A model rater's reliability from the last refit, beside (never inside) the people's RaterReliability."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+")
    rater_key = models.CharField(max_length=210)  # "model:<name>@<version>"
    method = models.CharField(max_length=32)
    reliability = models.FloatField()
    confusion = models.JSONField(null=True, blank=True)
    annotation_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "rater_key"], name="machine_reliability_unique"),
        ]
