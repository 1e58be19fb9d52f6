from django.urls import path

from raters.api import me, onboarding, pay, payout_accounts, signup, staff

urlpatterns = [
    path("campaigns/", staff.CampaignListCreateApi.as_view(), name="raters-campaigns"),
    path("campaigns/<slug:slug>/signup/", signup.CampaignSignUpApi.as_view(), name="raters-signup"),
    path("campaigns/<slug:slug>/close/", staff.CampaignCloseApi.as_view(), name="raters-campaign-close"),
    path("campaigns/<slug:slug>/invites/", staff.InviteCreateApi.as_view(), name="raters-invites"),
    path("applications/", staff.ApplicationListApi.as_view(), name="raters-applications"),
    path(
        "applications/<int:application_id>/approve/",
        staff.ApplicationApproveApi.as_view(),
        name="raters-application-approve",
    ),
    path(
        "applications/<int:application_id>/reject/",
        staff.ApplicationRejectApi.as_view(),
        name="raters-application-reject",
    ),
    path("me/", me.MyStatsApi.as_view(), name="raters-me"),
    path("me/earnings/", me.MyEarningsApi.as_view(), name="raters-my-earnings"),
    path("me/pay/", pay.MyPayApi.as_view(), name="raters-my-pay"),
    path("me/statements/<int:statement_id>/", pay.MyStatementApi.as_view(), name="raters-my-statement"),
    path("me/payout-accounts/", payout_accounts.MyPayoutAccountListApi.as_view(), name="raters-my-payout-accounts"),
    path(
        "me/projects/<int:project_id>/payout-account/",
        payout_accounts.MyPayoutAccountApi.as_view(),
        name="raters-my-payout-account",
    ),
    path("me/attributes/", me.MyAttributesApi.as_view(), name="raters-my-attributes"),
    path("me/projects/<int:project_id>/", me.MyProjectStatusApi.as_view(), name="raters-my-project"),
    path("projects/<int:project_id>/exam/", onboarding.ExamApi.as_view(), name="raters-exam"),
    path("projects/<int:project_id>/practice/", onboarding.PracticeApi.as_view(), name="raters-practice"),
    path("projects/<int:project_id>/quality/", staff.ProjectQualityApi.as_view(), name="raters-quality"),
    path("projects/<int:project_id>/budget/", staff.ProjectBudgetApi.as_view(), name="raters-budget"),
    path("projects/<int:project_id>/earnings/adjust/", staff.EarningsAdjustApi.as_view(), name="raters-adjust"),
    path("projects/<int:project_id>/diversity/", staff.DiversityApi.as_view(), name="raters-diversity"),
    path("projects/<int:project_id>/bans/", staff.BanListApi.as_view(), name="raters-bans"),
    path("projects/<int:project_id>/bans/<int:ban_id>/lift/", staff.BanLiftApi.as_view(), name="raters-ban-lift"),
    path("projects/<int:project_id>/raters/<int:user_id>/pause/", staff.RaterPauseApi.as_view(), name="raters-pause"),
    path(
        "projects/<int:project_id>/raters/<int:user_id>/reinstate/",
        staff.RaterReinstateApi.as_view(),
        name="raters-reinstate",
    ),
    path("projects/<int:project_id>/pay/", pay.ProjectPayApi.as_view(), name="raters-pay"),
    path("projects/<int:project_id>/pay/policy/", pay.PayPolicyApi.as_view(), name="raters-pay-policy"),
    path("projects/<int:project_id>/pay/periods/", pay.PayPeriodListApi.as_view(), name="raters-pay-periods"),
    path("projects/<int:project_id>/pay/accounts/", pay.PayoutAccountApi.as_view(), name="raters-payout-accounts"),
    path("pay-periods/<int:period_id>/close/", pay.PayPeriodCloseApi.as_view(), name="raters-pay-period-close"),
    path("pay-periods/<int:period_id>/statements/", pay.StatementListApi.as_view(), name="raters-pay-statements"),
    path("pay-periods/<int:period_id>/export/", pay.PayoutExportApi.as_view(), name="raters-payout-export"),
]
