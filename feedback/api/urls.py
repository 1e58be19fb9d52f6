from django.urls import path

from feedback.api.views import DirectLabelListApi, HealthApi, LabelRuleApi, UserEraseApi

app_name = "feedback"

urlpatterns = [
    path("health/", HealthApi.as_view(), name="health"),
    path("erase-user/", UserEraseApi.as_view(), name="erase-user"),
    path("rules/", LabelRuleApi.as_view(), name="rules"),
    path("labels/", DirectLabelListApi.as_view(), name="labels"),
]
