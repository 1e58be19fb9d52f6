"""Projects, their label schema, and who may work on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from labeling.models.review import ReviewMode


class LabelType(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTI = "multi", "Multi-label"
    ORDINAL = "ordinal", "Ordinal scale"
    INTERVAL = "interval", "Numeric (interval)"
    RATIO = "ratio", "Numeric (ratio)"


class MeasurementLevel(models.TextChoices):
    NOMINAL = "nominal", "Nominal"
    ORDINAL = "ordinal", "Ordinal"
    INTERVAL = "interval", "Interval"
    RATIO = "ratio", "Ratio"


DEFAULT_LEVEL_FOR_TYPE = {
    LabelType.SINGLE: MeasurementLevel.NOMINAL,
    LabelType.MULTI: MeasurementLevel.NOMINAL,
    LabelType.ORDINAL: MeasurementLevel.ORDINAL,
    LabelType.INTERVAL: MeasurementLevel.INTERVAL,
    LabelType.RATIO: MeasurementLevel.RATIO,
}


class AggregationMethod(models.TextChoices):
    MAJORITY = "majority", "Majority vote"
    WEIGHTED = "weighted", "Reliability-weighted vote"
    DAWID_SKENE = "dawid_skene", "Dawid-Skene"
    MEDIAN = "median", "Median"
    MEAN = "mean", "Mean"


class OverlapPolicy(models.TextChoices):
    FIXED = "fixed", "Fixed overlap"
    ADAPTIVE = "adaptive", "Adaptive overlap"


class Project(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    label_type = models.CharField(max_length=16, choices=LabelType.choices, default=LabelType.SINGLE)
    # Ordered allowed values for single/multi/ordinal; empty for numeric types.
    categories = models.JSONField(default=list, blank=True)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    measurement_level_override = models.CharField(
        max_length=16, choices=MeasurementLevel.choices, blank=True, default=""
    )

    overlap = models.PositiveSmallIntegerField(default=3)
    lease_seconds = models.PositiveIntegerField(default=600)
    gold_ratio = models.FloatField(default=0.0)
    # Adaptive overlap (docs/adr/0014-adaptive-overlap.md): items start with `overlap_min` slots and get one
    # more, up to `overlap_max`, while their posterior is below `overlap_target`. Fixed uses `overlap`.
    overlap_policy = models.CharField(max_length=16, choices=OverlapPolicy.choices, default=OverlapPolicy.FIXED)
    overlap_min = models.PositiveSmallIntegerField(default=2)
    overlap_max = models.PositiveSmallIntegerField(default=5)
    overlap_target = models.FloatField(default=0.95)

    aggregation_method = models.CharField(
        max_length=16, choices=AggregationMethod.choices, default=AggregationMethod.MAJORITY
    )
    confidence_threshold = models.FloatField(default=0.6)

    # Qualification (rater lifecycle).
    requires_exam = models.BooleanField(default=False)
    exam_pass_mark = models.FloatField(default=0.8)
    exam_cooldown_minutes = models.PositiveIntegerField(default=60)

    # Continuous quality control: rules that pause a rater on this project.
    pause_min_gold = models.PositiveIntegerField(default=10)
    pause_gold_accuracy_below = models.FloatField(null=True, blank=True, default=0.7)
    fast_answer_seconds = models.FloatField(default=2.0)
    pause_fast_share_above = models.FloatField(null=True, blank=True, default=0.3)
    pause_min_answers = models.PositiveIntegerField(default=10)

    # Incentives and budget, in cents.
    pay_per_annotation_cents = models.PositiveIntegerField(default=0)
    gold_bonus_cents = models.PositiveIntegerField(default=0)
    gold_bonus_threshold = models.FloatField(default=0.9)
    budget_cents = models.PositiveIntegerField(null=True, blank=True)

    # Review pass (docs/adr/0024-review-pass-and-rework.md): off, a random share of answers, or all of them.
    review_mode = models.CharField(max_length=8, choices=ReviewMode.choices, default=ReviewMode.OFF)
    review_share = models.FloatField(default=0.1, help_text="Share of answers reviewed when the mode is sample.")
    review_reveal_identity = models.BooleanField(
        default=False, help_text="Show rater usernames (not pseudonyms) to staff and managers on the review pass."
    )
    pause_reject_share_above = models.FloatField(
        null=True, blank=True, default=None, help_text="Pause a rater when reviewers reject more than this share."
    )
    # Skip reasons a rater picks from ([{"code": ..., "label": ...}]); "other" with a text is always offered.
    skip_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text='e.g. [{"code": "not_english", "label": "Not in English"}]; empty: defaults.',
    )
    # This many "unclear" flags on one instructions version is shown to staff as a signal to fix the text.
    flag_unclear_threshold = models.PositiveIntegerField(default=3)

    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(overlap__gte=1), name="project_overlap_positive"),
            models.CheckConstraint(
                condition=Q(gold_ratio__gte=0) & Q(gold_ratio__lte=1), name="project_gold_ratio_range"
            ),
            models.CheckConstraint(condition=Q(lease_seconds__gte=10), name="project_lease_min"),
            models.CheckConstraint(
                condition=Q(overlap_min__gte=1) & Q(overlap_max__gte=models.F("overlap_min")),
                name="project_overlap_range",
            ),
            models.CheckConstraint(
                condition=Q(overlap_target__gt=0.5) & Q(overlap_target__lt=1), name="project_overlap_target_range"
            ),
            models.CheckConstraint(
                condition=Q(review_share__gte=0) & Q(review_share__lte=1), name="project_review_share_range"
            ),
            models.CheckConstraint(
                condition=Q(review_mode__in=["off", "sample", "all"]), name="project_review_mode_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def measurement_level(self) -> str:
        return self.measurement_level_override or DEFAULT_LEVEL_FOR_TYPE[self.label_type]


class Role(models.TextChoices):
    RATER = "rater", "Rater"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    REMOVED = "removed", "Removed"


class ProjectMembership(models.Model):
    """A user's right to work on a project; pause and qualification are per project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RATER)
    status = models.CharField(max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)
    is_qualified = models.BooleanField(default=True)
    pause_reason = models.TextField(blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Where this rater's walk of the item queue has got to (priority, queue key, item id): a hint that lets the
    # next-task query jump past the open items this rater already labeled. Written only by the assignment service.
    queue_priority = models.IntegerField(null=True, blank=True, editable=False)
    queue_key = models.FloatField(null=True, blank=True, editable=False)
    queue_item_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"
