"""Admin for the rater lifecycle. Self-reported attributes are deliberately absent: they are aggregate-only."""

from django.contrib import admin, messages

from config.exceptions import ApplicationError
from raters import models
from raters.services.recruitment import application_approve, application_reject


@admin.register(models.RaterProfile)
class RaterProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "rater_type", "pseudonym", "created_at")
    list_filter = ("rater_type",)
    search_fields = ("user__username", "pseudonym")


class InviteInline(admin.TabularInline):
    model = models.CampaignInvite
    extra = 0
    readonly_fields = ("token", "use_count", "created_at")
    fields = ("token", "note", "max_uses", "use_count", "expires_at", "created_at")


@admin.register(models.RecruitmentCampaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "slug",
        "project",
        "is_open",
        "places",
        "closed_reason",
        "invite_only",
        "requires_approval",
        "created_at",
    )
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("closed_at", "closed_reason")
    inlines = [InviteInline]

    def save_formset(self, request, form, formset, change) -> None:
        import secrets

        for obj in formset.save(commit=False):
            if not obj.token:
                obj.token = secrets.token_urlsafe(18)
            obj.save()
        formset.save_m2m()


@admin.register(models.RaterApplication)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("user", "campaign", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status", "campaign")
    actions = ["approve", "reject"]
    readonly_fields = ("user", "campaign", "invite", "status", "decided_by", "decided_at", "created_at")

    def _decide(self, request, queryset, service) -> None:
        done = 0
        for application in queryset:
            try:
                service(application_id=application.pk, actor=request.user, note="Decided in the admin.")
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{application.user}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} application(s) updated.")

    @admin.action(description="Approve selected applicants")
    def approve(self, request, queryset) -> None:
        self._decide(request, queryset, application_approve)

    @admin.action(description="Reject selected applicants")
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, application_reject)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.EarningsEntry)
class EarningsEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "project", "kind", "amount_cents", "note")
    list_filter = ("kind", "project")


@admin.register(models.ExamAttempt)
class ExamAttemptAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "user", "project", "correct", "total", "passed")
    list_filter = ("passed", "project")


@admin.register(models.RaterStatusEvent)
class RaterStatusEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "project", "action", "reason", "actor")
    list_filter = ("action", "project")


@admin.register(models.ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "action", "consent_text_version")


@admin.register(models.ProjectBan)
class ProjectBanAdmin(ReadOnlyAdmin):
    """Read-only: bans are made by rejection or removal and lifted (with a reason) through the staff API."""

    list_display = ("created_at", "user", "project", "reason", "banned_by", "lifted_at", "lifted_by", "lift_reason")
    list_filter = ("project",)
    search_fields = ("user__username", "email_normalized")


@admin.register(models.CampaignInvite, models.PracticeAnswer, models.GoldCheck)
class RaterRecordAdmin(ReadOnlyAdmin):
    """Audit views; consented attributes (RaterAttributes) are deliberately not in the admin: aggregate only."""


# Pay: written only by raters.services.pay (periods are closed and exported there, never in the admin).
@admin.register(models.PayPolicy)
class PayPolicyAdmin(ReadOnlyAdmin):
    list_display = ("project", "currency", "hourly_floor_cents", "updated_at")


@admin.register(models.PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ("project", "user", "platform", "participant_id", "assignment_id")
    list_filter = ("platform", "project")


@admin.register(models.PayoutAccountChange)
class PayoutAccountChangeAdmin(ReadOnlyAdmin):  # append-only history: a trigger refuses UPDATE and DELETE
    list_display = ("project", "user", "source", "old_participant_id", "new_participant_id", "changed_at")
    list_filter = ("source", "new_platform", "project")


@admin.register(models.PayPeriod)
class PayPeriodAdmin(ReadOnlyAdmin):
    list_display = ("project", "starts_at", "ends_at", "state", "closed_at", "exported_at", "export_format")
    list_filter = ("state", "project")


@admin.register(models.PayoutStatement)
class PayoutStatementAdmin(ReadOnlyAdmin):
    list_display = ("period", "user", "currency", "total_cents", "earned_cents", "topup_cents", "worked_ms")


@admin.register(models.PayoutStatementEntry)
class PayoutStatementEntryAdmin(ReadOnlyAdmin):
    list_display = ("statement", "entry")
