from django.contrib import admin

from labeling import models


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "label_type", "overlap", "aggregation_method", "is_active", "created_at")
    search_fields = ("name",)


@admin.register(models.ProjectMembership)
class ProjectMembershipAdmin(admin.ModelAdmin):
    list_display = ("project", "user", "role", "status", "is_qualified")
    list_filter = ("role", "status", "is_qualified")


@admin.register(models.InstructionVersion)
class InstructionVersionAdmin(admin.ModelAdmin):
    list_display = ("project", "version", "created_at", "created_by")

    def has_change_permission(self, request, obj=None) -> bool:  # versions are immutable
        return False


@admin.register(models.InstructionAcknowledgement)
class InstructionAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ("instruction_version", "user", "acknowledged_at")


@admin.register(models.Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "external_id", "priority", "is_gold", "slots_open", "annotation_count")
    list_filter = ("is_gold", "project")
    search_fields = ("external_id",)


@admin.register(models.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "item", "rater", "status", "expires_at")
    list_filter = ("status",)


@admin.register(models.Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "item", "rater", "value", "source", "created_at")
    list_filter = ("source",)


@admin.register(models.Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "item",
        "kind",
        "method",
        "label",
        "confidence",
        "needs_adjudication",
        "is_current",
    )
    list_filter = ("kind", "method", "needs_adjudication", "is_current")
