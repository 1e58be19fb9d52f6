from django.urls import path

from raters.web.views import labeling, onboarding, payout_accounts, projects, signup, stats

app_name = "raters"

urlpatterns = [
    path("", projects.home, name="home"),
    path("join/<slug:slug>/", signup.campaign_signup, name="signup"),
    path("projects/<int:project_id>/", projects.project_start, name="project_start"),
    path("projects/<int:project_id>/exam/", onboarding.exam, name="exam"),
    path("projects/<int:project_id>/instructions/", onboarding.instructions, name="instructions"),
    path("projects/<int:project_id>/practice/", onboarding.practice, name="practice"),
    path("projects/<int:project_id>/label/", labeling.label, name="label"),
    path("projects/<int:project_id>/label/skip/", labeling.skip, name="skip"),
    path("projects/<int:project_id>/label/flag/", labeling.flag, name="flag"),
    path("me/stats/", stats.my_stats, name="stats"),
    path("me/attributes/", stats.my_attributes, name="attributes"),
    path("me/payout-accounts/", payout_accounts.my_payout_accounts, name="payout_accounts"),
]
