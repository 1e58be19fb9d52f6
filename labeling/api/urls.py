from django.urls import include, path

from labeling.api.annotations import AnnotationListApi
from labeling.api.assignments import TaskNextApi, TaskSkipApi, TaskSubmitApi
from labeling.api.instructions import InstructionAcknowledgeApi, InstructionCurrentApi, InstructionListPublishApi
from labeling.api.items import ItemListImportApi
from labeling.api.predictions import ModelSettingsApi, PredictionListImportApi, ResolvedLabelsApi
from labeling.api.projects import MembershipListAddApi, MembershipRemoveApi, ProjectDetailApi, ProjectListCreateApi
from labeling.api.review import (
    FlagReplyApi,
    MyFlagsApi,
    ProjectFlagsApi,
    ReviewDecideApi,
    ReviewQueueApi,
    TaskFlagApi,
)

urlpatterns: list = [
    path("projects/", ProjectListCreateApi.as_view(), name="project-list"),
    path("projects/<int:project_id>/", ProjectDetailApi.as_view(), name="project-detail"),
    path("projects/<int:project_id>/members/", MembershipListAddApi.as_view(), name="project-members"),
    path(
        "projects/<int:project_id>/members/<int:user_id>/", MembershipRemoveApi.as_view(), name="project-member-remove"
    ),
    path("projects/<int:project_id>/instructions/", InstructionListPublishApi.as_view(), name="instructions"),
    path(
        "projects/<int:project_id>/instructions/current/", InstructionCurrentApi.as_view(), name="instructions-current"
    ),
    path(
        "projects/<int:project_id>/instructions/acknowledge/",
        InstructionAcknowledgeApi.as_view(),
        name="instructions-acknowledge",
    ),
    path("projects/<int:project_id>/items/", ItemListImportApi.as_view(), name="items"),
    path("projects/<int:project_id>/predictions/", PredictionListImportApi.as_view(), name="predictions"),
    path("projects/<int:project_id>/labels/", ResolvedLabelsApi.as_view(), name="resolved-labels"),
    path("projects/<int:project_id>/model-settings/", ModelSettingsApi.as_view(), name="model-settings"),
    path("projects/<int:project_id>/tasks/next/", TaskNextApi.as_view(), name="task-next"),
    path("tasks/<str:task_id>/submit/", TaskSubmitApi.as_view(), name="task-submit"),
    path("tasks/<str:task_id>/skip/", TaskSkipApi.as_view(), name="task-skip"),
    path("annotations/", AnnotationListApi.as_view(), name="annotation-list"),
    path("projects/<int:project_id>/reviews/", ReviewQueueApi.as_view(), name="review-queue"),
    path("reviews/<int:review_id>/decide/", ReviewDecideApi.as_view(), name="review-decide"),
    path("tasks/<str:task_id>/flag/", TaskFlagApi.as_view(), name="task-flag"),
    path("projects/<int:project_id>/flags/", ProjectFlagsApi.as_view(), name="project-flags"),
    path("flags/<int:flag_id>/reply/", FlagReplyApi.as_view(), name="flag-reply"),
    path("flags/mine/", MyFlagsApi.as_view(), name="my-flags"),
    path("", include("labeling.api.agreement_urls")),
]
