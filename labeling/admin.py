"""Django admin for every labeling model. Big tables use raw id widgets, not dropdowns of a million rows."""

from django.contrib import admin

from labeling import models


class ReadOnlyMembershipMixin:
    """Memberships change only through the membership services (bans, role rules, pause history), never here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(ReadOnlyMembershipMixin, admin.TabularInline):
    model = models.ProjectMembership
    extra = 0
    fields = ("user", "role", "status", "is_qualified", "pause_reason")
    readonly_fields = fields


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "label_type", "overlap", "aggregation_method", "is_active", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(models.ProjectMembership)
class ProjectMembershipAdmin(ReadOnlyMembershipMixin, admin.ModelAdmin):
    list_display = ("project", "user", "role", "status", "is_qualified")
    list_filter = ("role", "status", "is_qualified")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "project__name")


@admin.register(models.InstructionVersion)
class InstructionVersionAdmin(admin.ModelAdmin):
    list_display = ("project", "version", "change_note", "created_at", "created_by")
    list_filter = ("project",)

    def has_change_permission(self, request, obj=None) -> bool:  # versions are immutable: publish a new one
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # annotations point at them
        return False


@admin.register(models.InstructionAcknowledgement)
class InstructionAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ("instruction_version", "user", "acknowledged_at")
    raw_id_fields = ("user", "instruction_version")


@admin.register(models.Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "external_id", "priority", "is_gold", "slots_open", "annotation_count")
    list_filter = ("is_gold", "is_exam", "is_practice", "project")
    search_fields = ("external_id",)
    raw_id_fields = ("project",)
    readonly_fields = ("content_hash", "slots_open", "annotation_count")
    show_full_result_count = False


@admin.register(models.ItemOverlapDecision)
class ItemOverlapDecisionAdmin(admin.ModelAdmin):
    """Read-only: written by the submit path (labeling.services.overlap) after every label."""

    list_display = (
        "item",
        "project",
        "outcome",
        "reason",
        "label",
        "confidence",
        "raters_used",
        "machine_counted",
        "decided_at",
    )
    list_filter = ("outcome", "reason")
    raw_id_fields = ("item", "project")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "item", "rater", "status", "expires_at")
    list_filter = ("status",)
    raw_id_fields = ("project", "item", "rater", "instruction_version")
    show_full_result_count = False


@admin.register(models.Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "item", "rater", "value", "source", "created_at")
    list_filter = ("source",)
    raw_id_fields = ("project", "item", "rater", "assignment", "instruction_version")
    show_full_result_count = False


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
    raw_id_fields = ("project", "item", "decided_by", "supersedes")
    show_full_result_count = False


@admin.register(models.AggregationFit)
class AggregationFitAdmin(admin.ModelAdmin):
    list_display = ("project", "method", "annotation_count", "item_count", "fitted_at")


@admin.register(models.RaterReliability)
class RaterReliabilityAdmin(admin.ModelAdmin):
    list_display = ("project", "rater", "method", "reliability", "annotation_count", "fitted_at")
    list_filter = ("method",)
    raw_id_fields = ("project", "rater")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by their services (review, rework, flags): the admin shows them, never edits them."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "annotation", "round", "state", "reviewer", "sampled_at", "decided_at")
    list_filter = ("state",)
    raw_id_fields = ("project", "annotation", "reviewer")


@admin.register(models.AnnotationRevision)
class AnnotationRevisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "annotation", "value", "labeled_at", "replaced_at")
    raw_id_fields = ("annotation", "review", "instruction_version")


@admin.register(models.ItemFlag)
class ItemFlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "item", "reason", "instruction_version", "created_at", "replied_at")
    list_filter = ("reason",)
    raw_id_fields = ("project", "item", "rater", "assignment", "instruction_version", "replied_by")


@admin.register(models.Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    """Written by the prediction import only (API, CLI): the admin shows them."""

    list_display = ("id", "project", "item", "model", "version", "value", "score", "created_at")
    list_filter = ("model",)
    raw_id_fields = ("project", "item")


@admin.register(models.ModelSettings)
class ModelSettingsAdmin(ReadOnlyAdmin):
    list_display = ("project", "rater_model", "rater_version", "preannotations", "active_learning")
    raw_id_fields = ("project",)


@admin.register(models.ItemModelState)
class ItemModelStateAdmin(ReadOnlyAdmin):
    list_display = ("item", "project", "stream", "uncertainty", "updated_at")
    raw_id_fields = ("item", "project")


@admin.register(models.SuggestionExposure)
class SuggestionExposureAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "project", "item", "shown", "model", "version")
    raw_id_fields = ("assignment", "project", "item", "rater")


@admin.register(models.MachineReliability)
class MachineReliabilityAdmin(ReadOnlyAdmin):
    """A model's reliability as a machine rater, refitted with the people's (docs/adr/0015)."""

    list_display = ("project", "rater_key", "method", "reliability", "annotation_count", "updated_at")
    raw_id_fields = ("project",)
