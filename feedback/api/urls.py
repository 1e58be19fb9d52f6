from django.urls import path

from feedback.api.views import DirectLabelHistoryApi, DirectLabelListApi, HealthApi, LabelRuleApi

app_name = "feedback"

urlpatterns = [
    path("health/", HealthApi.as_view(), name="health"),
    path("rules/", LabelRuleApi.as_view(), name="rules"),
    path("labels/", DirectLabelListApi.as_view(), name="labels"),
    path("labels/<str:request_id>/history/", DirectLabelHistoryApi.as_view(), name="label-history"),
]
