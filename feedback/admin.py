from django.contrib import admin

from feedback import models


@admin.register(models.LabelRule)
class LabelRuleAdmin(admin.ModelAdmin):
    list_display = ("model", "version", "window", "grace", "late_policy", "negative_downsampling_rate", "is_active")
    list_filter = ("is_active", "late_policy")

    def has_change_permission(self, request, obj=None) -> bool:  # a rule version is immutable: add a new one
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # labels point at it for good: deactivate it
        return False


@admin.register(models.InferenceRequest)
class InferenceRequestAdmin(admin.ModelAdmin):
    list_display = ("request_id", "state", "model", "model_version", "served_at", "close_at")
    list_filter = ("state", "model")
    search_fields = ("request_id", "user_id")


@admin.register(models.FeedbackEvent)
class FeedbackEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "request_id", "type", "status", "occurred_at")
    list_filter = ("status", "type")
    search_fields = ("event_id", "request__request_id")


@admin.register(models.DirectLabel)
class DirectLabelAdmin(admin.ModelAdmin):
    list_display = ("request_id", "version", "is_current", "is_final", "label", "weight", "source", "model")
    list_filter = ("is_current", "is_final", "source", "model")
    search_fields = ("request__request_id",)


@admin.register(models.FeedbackCounter)
class FeedbackCounterAdmin(admin.ModelAdmin):
    list_display = ("minute", "name", "value")
    list_filter = ("name",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ServingStatistics)
class ServingStatisticsAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the consumer and merged by compaction."""

    list_display = ("model", "window_start", "window_seconds", "rows", "compacted", "created_at")
    list_filter = ("model", "compacted")
    exclude = ("statistics",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.DelayDistribution)
class DelayDistributionAdmin(admin.ModelAdmin):
    """Read-only: the periodic delay estimate writes it (feedback.services.delays)."""

    list_display = ("rule", "computed_at", "horizon_seconds", "cohort_requests", "conversion_rate")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
