from django.urls import path

from datasets.api import validation as views

app_name = "validation"

urlpatterns = [
    path("references/", views.ReferenceBuildApi.as_view(), name="reference-build"),
    path("schemas/<slug:name>/", views.SchemaApi.as_view(), name="schema"),
    path("checks/", views.CheckApi.as_view(), name="check"),
    path("anomalies/", views.AnomalyListApi.as_view(), name="anomaly-list"),
    path("anomalies/<int:anomaly_id>/state/", views.AnomalyStateApi.as_view(), name="anomaly-state"),
]
