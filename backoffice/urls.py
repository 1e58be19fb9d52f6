from django.contrib.auth.views import LoginView, LogoutView
from django.urls import path

from backoffice.views import dashboard as views
from backoffice.views import staff

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", LoginView.as_view(template_name="dashboard/login.html"), name="login"),
    path("logout/", LogoutView.as_view(next_page="dashboard:login"), name="logout"),
    path("recompute/", views.recompute, name="recompute"),
    path("health/", views.health, name="health"),
    path("datasets/", views.datasets, name="datasets"),
    path("applications/", staff.applications, name="applications"),
    path("applications/<int:application_id>/<str:decision>/", staff.application_decide, name="application_decide"),
    path("projects/<int:project_id>/quality/", views.quality, name="quality"),
    path("projects/<int:project_id>/adjudicate/<int:resolution_id>/", views.adjudicate, name="adjudicate"),
    path("projects/<int:project_id>/raters/", views.raters, name="raters"),
    path("projects/<int:project_id>/raters/<int:rater_id>/", views.rater_detail, name="rater"),
    path("projects/<int:project_id>/raters/<int:rater_id>/reinstate/", staff.reinstate, name="reinstate"),
    path("projects/<int:project_id>/cost/", views.cost, name="cost"),
    path("projects/<int:project_id>/diversity/", views.diversity, name="diversity"),
]
