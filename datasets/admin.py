"""Admin: definitions are editable; versions, rows and erasure records are read-only (they are immutable)."""

from django.contrib import admin

from datasets import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = (
        "name", "direct_model", "gold", "train_fraction", "validation_fraction", "test_fraction", "created_at",
    )  # fmt: skip
    search_fields = ("name",)
    filter_horizontal = ("projects",)


@admin.register(models.DatasetVersion)
class DatasetVersionAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "number", "status", "progress", "row_count", "content_hash", "created_at")
    list_filter = ("status", "dataset")


@admin.register(models.DatasetErasure)
class DatasetErasureAdmin(ReadOnlyAdmin):
    list_display = ("version", "subject_kind", "rows_removed", "rows_redacted", "erased_at")
    list_filter = ("subject_kind",)


@admin.register(models.DatasetRow, models.ErasedSubject)
class DatasetRecordAdmin(ReadOnlyAdmin):
    show_full_result_count = False


@admin.register(models.ValidationReference)
class ValidationReferenceAdmin(ReadOnlyAdmin):
    list_display = ("version", "rows", "created_at")
    exclude = ("statistics",)


@admin.register(models.ValidationSchema)
class ValidationSchemaAdmin(ReadOnlyAdmin):
    """Schema versions are read-only here; an edit is a new version (POST /api/validation/schemas/<dataset>/)."""

    list_display = ("dataset", "number", "reference", "note", "created_at")
    list_filter = ("dataset",)


@admin.register(models.Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ("model", "kind", "feature", "baseline", "window_start", "figure", "threshold", "state")
    list_filter = ("state", "kind", "model")
    actions = ("acknowledge", "resolve")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_staff  # actions only; every field stays read-only

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def _set(self, request, queryset, state: str) -> None:
        from datasets.services.anomalies import anomaly_state_set

        for anomaly in queryset:
            anomaly_state_set(anomaly=anomaly, state=state, user=request.user)
        self.message_user(request, f"{queryset.count()} anomalies {state}.")

    @admin.action(description="Acknowledge")
    def acknowledge(self, request, queryset) -> None:
        self._set(request, queryset, "acknowledged")

    @admin.action(description="Resolve")
    def resolve(self, request, queryset) -> None:
        self._set(request, queryset, "resolved")
