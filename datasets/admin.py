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
