"""Outbox rows are read-only in the admin: they are facts already sent or about to be."""

from django.contrib import admin

from config.outbox.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "event_type", "channel", "project_id", "created_at", "dispatched_at", "published_at")
    list_filter = ("channel", "event_type")
    search_fields = ("event_id", "key")
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
