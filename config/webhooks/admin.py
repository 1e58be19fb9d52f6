"""Webhook endpoints, deliveries and attempts in the admin; changes go through the API (secrets, URL checks)."""

from django.contrib import admin

from config.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("id", "url", "status", "project_id", "created_at")
    list_filter = ("status",)
    search_fields = ("url", "description")
    exclude = ("secret", "previous_secret")
    readonly_fields = ("url", "event_types", "project_id", "status", "failing_since", "created_by",
                       "previous_secret_expires_at")  # fmt: skip

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "endpoint", "event", "status", "attempt", "response_status", "next_attempt_at")
    list_filter = ("status",)
    raw_id_fields = ("endpoint", "event", "redelivery_of")
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDeliveryAttempt)
class WebhookDeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("id", "delivery", "attempt", "started_at", "duration_ms", "response_status")
    raw_id_fields = ("delivery",)
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
