from django.contrib import admin

from ingestion import models


@admin.register(models.DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("topic", "partition", "offset", "reason", "payload_size", "created_at")
    list_filter = ("reason", "topic")


@admin.register(models.ConsumerOffset)
class ConsumerOffsetAdmin(admin.ModelAdmin):
    list_display = ("group", "topic", "partition", "committed_offset", "highwater", "updated_at")
