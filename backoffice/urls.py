from django.contrib.auth.views import LoginView, LogoutView
from django.urls import path

from backoffice.views import dashboard as views
from backoffice.views import pay, review, setup, staff, validation

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", LoginView.as_view(template_name="dashboard/login.html"), name="login"),
    path("logout/", LogoutView.as_view(next_page="dashboard:login"), name="logout"),
    path("recompute/", views.recompute, name="recompute"),
    path("health/", views.health, name="health"),
    path("datasets/", views.datasets, name="datasets"),
    path("validation/", validation.validation, name="validation"),
    path("validation/models/<str:model>/", validation.validation, name="validation_model"),
    path("validation/anomalies/<int:anomaly_id>/state/", validation.anomaly_state, name="validation_anomaly_state"),
    path("applications/", staff.applications, name="applications"),
    path("applications/<int:application_id>/<str:decision>/", staff.application_decide, name="application_decide"),
    path("projects/<int:project_id>/quality/", views.quality, name="quality"),
    path("projects/<int:project_id>/adjudicate/<int:resolution_id>/", views.adjudicate, name="adjudicate"),
    path("projects/<int:project_id>/raters/", views.raters, name="raters"),
    path("projects/<int:project_id>/raters/<int:rater_id>/", views.rater_detail, name="rater"),
    path("projects/<int:project_id>/raters/<int:rater_id>/reinstate/", staff.reinstate, name="reinstate"),
    path("projects/<int:project_id>/cost/", views.cost, name="cost"),
    path("projects/<int:project_id>/review/", review.review, name="review"),
    path("projects/<int:project_id>/review/<int:review_id>/", review.review_decision, name="review_decide"),
    path("projects/<int:project_id>/flags/", review.flags, name="flags"),
    path("projects/<int:project_id>/flags/<int:flag_id>/reply/", review.flag_reply, name="flag_reply"),
    path("projects/<int:project_id>/diversity/", views.diversity, name="diversity"),
    path("projects/<int:project_id>/pay/", pay.pay, name="pay"),
    path("projects/<int:project_id>/pay/floor/", pay.floor_set, name="pay_floor"),
    path("projects/<int:project_id>/pay/periods/", pay.period_new, name="pay_period_new"),
    path("projects/<int:project_id>/pay/periods/<int:period_id>/close/", pay.period_close, name="pay_period_close"),
    path(
        "projects/<int:project_id>/pay/periods/<int:period_id>/export/<str:file_format>/",
        pay.period_export,
        name="pay_period_export",
    ),
    # Setup: a project and everything it needs, in the browser.
    path("setup/projects/new/", setup.project_new, name="setup_project_new"),
    path("projects/<int:project_id>/setup/", setup.setup, name="setup"),
    path("projects/<int:project_id>/setup/settings/", setup.project_edit, name="setup_project_edit"),
    path("projects/<int:project_id>/setup/instructions/", setup.instructions, name="setup_instructions"),
    path("projects/<int:project_id>/setup/items/", setup.items_upload, name="setup_items"),
    path("projects/<int:project_id>/setup/model/", setup.model_options, name="setup_model"),
    path("projects/<int:project_id>/setup/campaigns/", setup.campaigns, name="setup_campaigns"),
    path("projects/<int:project_id>/setup/campaigns/<int:campaign_id>/invites/", setup.invite_new, name="setup_invite"),
    path("projects/<int:project_id>/setup/members/", setup.members, name="setup_members"),
    path("projects/<int:project_id>/setup/members/<int:user_id>/role/", setup.member_role, name="setup_member_role"),
    path(
        "projects/<int:project_id>/setup/members/<int:user_id>/remove/", setup.member_remove, name="setup_member_remove"
    ),
    path("projects/<int:project_id>/setup/resolve/", setup.resolve_now, name="setup_resolve"),
    path("setup/datasets/", setup.datasets, name="setup_datasets"),
    path("setup/datasets/<slug:name>/build/", setup.dataset_build, name="setup_dataset_build"),
    path("setup/datasets/<slug:name>/versions/<int:number>/", setup.version, name="setup_version"),
    path("setup/datasets/<slug:name>/versions/<int:number>/status/", setup.version_status, name="setup_version_status"),
    path(
        "setup/datasets/<slug:name>/versions/<int:number>/download/<str:file_format>/",
        setup.version_download,
        name="setup_version_download",
    ),
]
