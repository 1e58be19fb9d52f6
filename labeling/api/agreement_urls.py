from django.urls import path

from labeling.api.resolution_views import (
    AdjudicationQueueApi,
    AgreementReportApi,
    AnnotationImportApi,
    ConfusionMatrixApi,
    ItemOverlapDecisionApi,
    ItemResolutionHistoryApi,
    ProjectOverlapSummaryApi,
    ProjectReportApi,
    ProjectResolveApi,
    RaterReliabilityApi,
    ResolutionAdjudicateApi,
)

urlpatterns: list = [
    path("projects/<int:project_id>/agreement/", AgreementReportApi.as_view(), name="project-agreement"),
    path("projects/<int:project_id>/report/", ProjectReportApi.as_view(), name="project-report"),
    path("projects/<int:project_id>/confusion-matrix/", ConfusionMatrixApi.as_view(), name="project-confusion"),
    path("projects/<int:project_id>/rater-reliability/", RaterReliabilityApi.as_view(), name="rater-reliability"),
    path("projects/<int:project_id>/adjudication-queue/", AdjudicationQueueApi.as_view(), name="adjudication-queue"),
    path("projects/<int:project_id>/overlap/", ProjectOverlapSummaryApi.as_view(), name="project-overlap"),
    path("projects/<int:project_id>/resolve/", ProjectResolveApi.as_view(), name="project-resolve"),
    path("resolutions/<int:resolution_id>/adjudicate/", ResolutionAdjudicateApi.as_view(), name="adjudicate"),
    path("items/<int:item_id>/resolutions/", ItemResolutionHistoryApi.as_view(), name="item-resolutions"),
    path("items/<int:item_id>/overlap/", ItemOverlapDecisionApi.as_view(), name="item-overlap"),
    path("annotation-imports/", AnnotationImportApi.as_view(), name="annotation-import"),
]
