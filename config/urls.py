from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.accounts.views import password_reset
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its settings as a script file: no inline script for the CSP to allow.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/auth/", include("config.accounts.urls")),
    path("api/feedback/erase-user/", include("datasets.api.erasure_urls")),
    path("api/feedback/", include("feedback.api.urls")),
    path("api/datasets/", include("datasets.api.urls")),
    path("api/validation/", include("datasets.api.validation_urls")),
    path("api/raters/", include("raters.api.urls")),
    path("api/webhooks/", include("labeling.api.webhook_urls")),
    path("api/", include("labeling.api.urls")),
    path("dashboard/", include("backoffice.urls")),
    # The staff pages' former addresses, so bookmarks keep working.
    path("staff/applications/", RedirectView.as_view(pattern_name="dashboard:applications", permanent=True)),
    path(
        "staff/projects/<int:project_id>/raters/",
        RedirectView.as_view(pattern_name="dashboard:raters", permanent=True),
    ),
    path(
        "staff/projects/<int:project_id>/diversity/",
        RedirectView.as_view(pattern_name="dashboard:diversity", permanent=True),
    ),
    path("", include("raters.web.urls")),
]
