"""Dataset definitions, their immutable versions, and the rows each version snapshots.

A `Dataset` is a mutable recipe (sources, filters, split, freshness, drift threshold). Building it
makes a `DatasetVersion` whose rows (`DatasetRow`) and metadata never change once the version is
ready: the database refuses it (see datasets/migrations/0002 and docs/adr/0005-dataset-erasure.md).
Erasure is the one exception and leaves a `DatasetErasure` record on the version.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from config.exceptions import ConflictError


class ImmutableVersionError(ConflictError):
    """Raised when code tries to change a built version or its rows."""


class GoldPolicy(models.TextChoices):
    """What a build does with the projects' quality-control gold items (never a crowd label either way)."""

    EXCLUDE = "exclude", "Leave gold items out"
    KNOWN_ANSWER = "known_answer", "Export gold items with their known answer, source 'gold'"


class Dataset(models.Model):
    name = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    # Sources: resolved human labels of these projects, and/or direct labels of a model or label rule.
    projects = models.ManyToManyField("labeling.Project", blank=True, related_name="datasets")
    direct_model = models.CharField(max_length=200, blank=True, help_text="Direct labels of this model")
    direct_rule_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="Only direct labels made under this version of the model's label rule"
    )

    # Filters.
    label_from = models.DateTimeField(null=True, blank=True)
    label_to = models.DateTimeField(null=True, blank=True)
    min_confidence = models.FloatField(null=True, blank=True)
    instruction_versions = models.JSONField(default=list, blank=True, help_text="Allowed version numbers")
    adjudicated_only = models.BooleanField(default=False)
    exclude_erased_users = models.BooleanField(default=True)
    gold = models.CharField(
        max_length=16,
        choices=GoldPolicy.choices,
        default=GoldPolicy.EXCLUDE,
        help_text="Gold items: left out, or exported with their known answer (source 'gold')",
    )

    # Deterministic split by a hash of the item or request id.
    train_fraction = models.FloatField(default=0.8)
    validation_fraction = models.FloatField(default=0.1)
    test_fraction = models.FloatField(default=0.1)
    split_seed = models.CharField(max_length=64, blank=True)

    max_label_age = models.DurationField(null=True, blank=True, help_text="Freshness requirement")
    drift_threshold = models.FloatField(default=0.1, help_text="L-infinity distance that raises a warning")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(train_fraction__gte=0)
                & Q(validation_fraction__gte=0)
                & Q(test_fraction__gte=0)
                & Q(
                    train_fraction__gte=0.999 - models.F("validation_fraction") - models.F("test_fraction"),
                    train_fraction__lte=1.001 - models.F("validation_fraction") - models.F("test_fraction"),
                ),
                name="dataset_split_fractions_sum_to_one",
            ),
            models.CheckConstraint(
                condition=Q(drift_threshold__gte=0) & Q(drift_threshold__lte=1), name="dataset_drift_threshold_range"
            ),
            models.CheckConstraint(condition=Q(gold__in=GoldPolicy.values), name="dataset_gold_policy_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DatasetVersionQuerySet(models.QuerySet):
    """Refuses ORM writes that touch a built version before they reach the database trigger."""

    def _refuse_if_built(self, operation: str) -> None:
        if self.exclude(status=VersionStatus.BUILDING).exists():
            raise ImmutableVersionError("A built dataset version is immutable", {"operation": operation})

    def update(self, **kwargs):
        self._refuse_if_built("update")
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_built("delete")
        return super().delete()


class DatasetVersion(models.Model):
    """One build of a dataset. Immutable once built (a trigger refuses UPDATE and DELETE)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.BUILDING)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)

    definition = models.JSONField(default=dict, help_text="The definition and filters this version was built from")
    row_count = models.PositiveIntegerField(default=0)
    split_counts = models.JSONField(default=dict)
    label_counts = models.JSONField(default=dict)
    source_counts = models.JSONField(default=dict, help_text="{source: rows}: human, direct, gold")
    feature_counts = models.JSONField(default=dict, help_text="{feature: {value: count}} of categorical features")
    content_hash = models.CharField(max_length=64, blank=True)
    newest_label_at = models.DateTimeField(null=True, blank=True)
    median_label_at = models.DateTimeField(null=True, blank=True)

    objects = DatasetVersionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="dataset_version_number_unique"),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="dataset_version_progress"),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(content_hash__regex=r"^[0-9a-f]{64}$"),
                name="dataset_version_ready_has_hash",
            ),
        ]
        ordering = ["dataset", "number"]

    def __str__(self) -> str:
        return f"{self.dataset.name} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            type(self).objects.filter(pk=self.pk)._refuse_if_built("update")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        type(self).objects.filter(pk=self.pk)._refuse_if_built("delete")
        return super().delete(*args, **kwargs)

    @property
    def label_distribution(self) -> dict[str, float]:
        total = sum(self.label_counts.values())
        return {label: count / total for label, count in sorted(self.label_counts.items())} if total else {}

    @property
    def is_erased(self) -> bool:
        return self.erasures.exists()


class RowSource(models.TextChoices):
    HUMAN = "human", "Resolved human label"
    DIRECT = "direct", "Direct label"
    GOLD = "gold", "Known answer of a gold item"


class Split(models.TextChoices):
    TRAIN = "train", "Train"
    VALIDATION = "validation", "Validation"
    TEST = "test", "Test"


class DatasetRowQuerySet(models.QuerySet):
    """Rows are written once by the build (COPY) and changed only by the erasure service (raw SQL)."""

    def update(self, **kwargs):
        raise ImmutableVersionError("Dataset rows are immutable", {"operation": "update"})

    def delete(self):
        raise ImmutableVersionError("Dataset rows are immutable", {"operation": "delete"})


class DatasetRow(models.Model):
    """One labeled example of one version, with its lineage as typed columns (fast to export)."""

    # No separate FK index: the (version, key) and (version, id) indexes lead with version.
    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="rows", db_index=False)
    # Bytewise collation: the canonical (hash) order is the same in PostgreSQL and in Python.
    key = models.CharField(max_length=300, db_collation="C")
    split = models.CharField(max_length=10, choices=Split.choices)
    source = models.CharField(max_length=8, choices=RowSource.choices)
    label = models.JSONField()
    # Soft label as two parallel arrays (class, probability), classes sorted: cheap to export as an Arrow map.
    soft_label_classes = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    soft_label_probs = ArrayField(models.FloatField(), default=list, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    weight = models.FloatField(null=True, blank=True)
    label_time = models.DateTimeField()
    input = models.JSONField(null=True, blank=True)

    # Lineage of a resolved human label.
    item_id = models.BigIntegerField(null=True, blank=True)
    item_external_id = models.CharField(max_length=255, null=True, blank=True)
    resolution_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=32, blank=True)
    kind = models.CharField(max_length=16, blank=True)
    annotation_count = models.PositiveIntegerField(null=True, blank=True)
    rater_ids = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    instruction_versions = ArrayField(models.IntegerField(), default=list, blank=True)
    decided_by = models.CharField(max_length=64, blank=True)
    rationale = models.TextField(blank=True)

    # Lineage of a direct label.
    request_id = models.CharField(max_length=255, null=True, blank=True)
    feedback_event_ids = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    rule = models.CharField(max_length=200, blank=True)
    rule_version = models.CharField(max_length=64, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    model = models.CharField(max_length=200, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    features = models.JSONField(null=True, blank=True)
    downsampling_rate = models.FloatField(null=True, blank=True)
    # Delayed feedback, as of the build (feedback/selectors/maturity.py): open / provisional / final, the age
    # since serving, and for a negative the chance it still converts and its importance weight (1 - that).
    maturity = models.CharField(max_length=12, blank=True, db_default="")
    age_seconds = models.FloatField(null=True, blank=True)
    conversion_probability = models.FloatField(null=True, blank=True)
    importance_weight = models.FloatField(null=True, blank=True)

    # Pseudonymous tokens of the people behind the row, for erasure; never exported.
    subjects = ArrayField(models.CharField(max_length=80), default=list, blank=True)

    objects = DatasetRowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="dataset_row_version_key_unique"),
        ]
        indexes = [
            models.Index(fields=["version", "id"], name="dataset_row_version_id_idx"),
            GinIndex(fields=["subjects"], name="dataset_row_subjects_idx"),
            GinIndex(fields=["rater_ids"], name="dataset_row_raters_idx"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableVersionError("Dataset rows are immutable", {"operation": "update"})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersionError("Dataset rows are immutable", {"operation": "delete"})


class ErasureSubjectKind(models.TextChoices):
    FEEDBACK_USER = "feedback_user", "End user behind direct labels"
    RATER = "rater", "Human rater"


class DatasetErasure(models.Model):
    """What an erasure did to one version. Holds a keyed hash of the subject, never the raw id."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="erasures")
    subject_kind = models.CharField(max_length=16, choices=ErasureSubjectKind.choices)
    subject_token = models.CharField(max_length=80)
    rows_removed = models.PositiveIntegerField(default=0)
    rows_redacted = models.PositiveIntegerField(default=0)
    hash_before = models.CharField(max_length=64)
    hash_after = models.CharField(max_length=64)
    erased_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["erased_at"]


class ErasedSubject(models.Model):
    """A tombstone so later builds that `exclude_erased_users` never take the subject's rows again."""

    subject_kind = models.CharField(max_length=16, choices=ErasureSubjectKind.choices)
    subject_token = models.CharField(max_length=80, unique=True)
    erased_at = models.DateTimeField(auto_now_add=True)


class ValidationReference(models.Model):
    """Feature statistics of one dataset version: what serving data is compared with (docs/data-validation.md)."""

    version = models.OneToOneField(DatasetVersion, on_delete=models.PROTECT, related_name="validation_reference")
    rows = models.PositiveIntegerField()
    statistics = models.BinaryField(help_text="feedback.statistics.profile.Profile.to_bytes()")
    label_counts = models.JSONField(default=dict, help_text="{model_version: [positives, labels]} of direct rows")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reference of {self.version}"


class ValidationSchema(models.Model):
    """One version of a dataset's feature schema: inferred from a reference, then edited (each edit a version)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="validation_schemas")
    number = models.PositiveIntegerField()
    reference = models.ForeignKey(ValidationReference, on_delete=models.PROTECT, related_name="schemas")
    features = models.JSONField(help_text="{path: {type, kind, presence, null_rate, domain, range, thresholds}}")
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="validation_schema_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="validation_schema_number_positive"),
        ]
        ordering = ["dataset", "number"]

    def __str__(self) -> str:
        return f"{self.dataset.name} schema v{self.number}"


class AnomalyKind(models.TextChoices):
    TYPE_MISMATCH = "type_mismatch", "Type differs from the schema"
    UNSEEN_CATEGORY = "unseen_category", "Values outside the domain"
    MISSING_FEATURE = "missing_feature", "Feature missing or less often present"
    EXTRA_FEATURE = "extra_feature", "Feature not in the schema"
    NULL_RATE = "null_rate", "More nulls"
    OUT_OF_RANGE = "out_of_range", "Values outside the range"
    DISTRIBUTION_SKEW = "distribution_skew", "Distribution differs from the reference"
    DISTRIBUTION_DRIFT = "distribution_drift", "Distribution moved since the previous window"
    LABEL_DRIFT = "label_drift", "Positive rate of direct labels moved"


class AnomalyState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Anomaly(models.Model):
    """One finding of a check on one window; raised once per (model, kind, feature, baseline, window)."""

    model = models.CharField(max_length=200)
    schema = models.ForeignKey(ValidationSchema, on_delete=models.PROTECT, related_name="anomalies")
    kind = models.CharField(max_length=24, choices=AnomalyKind.choices)
    feature = models.CharField(max_length=300, help_text="Feature path, or the model version for label drift")
    baseline = models.CharField(max_length=12, default="reference", help_text="reference or previous window")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    figure = models.FloatField()
    threshold = models.FloatField()
    examples = models.JSONField(default=list)
    state = models.CharField(max_length=16, choices=AnomalyState.choices, default=AnomalyState.OPEN)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model", "kind", "feature", "baseline", "window_start"], name="anomaly_once_per_window"
            ),
            models.CheckConstraint(condition=Q(state__in=AnomalyState.values), name="anomaly_state_valid"),
            models.CheckConstraint(condition=Q(kind__in=AnomalyKind.values), name="anomaly_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["model", "window_start"], name="anomaly_model_window"),
            models.Index(fields=["state", "created_at"], name="anomaly_state_created"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.kind} {self.feature} @ {self.window_start:%Y-%m-%d %H:%M}"
