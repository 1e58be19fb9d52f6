from django.urls import path

from datasets.api import views

app_name = "datasets"

urlpatterns = [
    path("", views.DatasetListApi.as_view(), name="dataset-list"),
    path("<slug:name>/", views.DatasetDetailApi.as_view(), name="dataset-detail"),
    path("<slug:name>/versions/", views.VersionBuildApi.as_view(), name="version-build"),
    path("<slug:name>/versions/<int:number>/", views.VersionDetailApi.as_view(), name="version-detail"),
    path(
        "<slug:name>/versions/<int:number>/export/<str:file_format>/",
        views.VersionExportApi.as_view(),
        name="version-export",
    ),
    path("<slug:name>/diff/", views.VersionDiffApi.as_view(), name="version-diff"),
]
