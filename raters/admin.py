from django.contrib import admin

from raters import models


@admin.register(models.RaterProfile)
class RaterProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "rater_type", "pseudonym", "created_at")
