"""The review pass over the API: a reviewer's queue, a decision; rater flags and staff replies."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ForbiddenError
from labeling.models import ItemFlag, Review
from labeling.selectors.flags import flags_by_version, flags_for_project, flags_of_rater
from labeling.selectors.projects import project_get_for_user, user_can_review
from labeling.selectors.review import annotation_history, rater_pseudonym, review_queue
from labeling.services.flags import item_flag_create, item_flag_reply
from labeling.services.review import review_decide

QUEUE_PAGE = 50


def _require_reviewer(*, project, user) -> None:
    if not user_can_review(project=project, user=user):
        raise ForbiddenError("Only staff or the project's reviewers may review.", extra={"code": "reviewer_only"})


def reveal_identity(*, project, user) -> bool:
    """Reviewers see pseudonyms; staff and managers see usernames only where the project says so."""
    from labeling.selectors.projects import membership_for

    if not project.review_reveal_identity:
        return False
    if user.is_staff:
        return True
    membership = membership_for(project=project, user=user)
    return membership is not None and membership.role == "manager"


class ReviewOutputSerializer(serializers.ModelSerializer):
    rater = serializers.SerializerMethodField()
    value = serializers.JSONField(source="annotation.value")
    payload = serializers.JSONField(source="annotation.item.payload")
    instruction_version = serializers.IntegerField(
        source="annotation.instruction_version.version", allow_null=True, default=None
    )
    history = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "round",
            "state",
            "rater",
            "value",
            "payload",
            "instruction_version",
            "sampled_at",
            "comment",
            "decided_at",
            "history",
        ]

    def get_rater(self, review: Review) -> str:
        if self.context.get("reveal"):
            return review.annotation.rater.username
        return rater_pseudonym(project_id=review.project_id, rater_id=review.annotation.rater_id)

    def get_history(self, review: Review) -> list[dict]:
        return [
            {k: v for k, v in row.items() if k in ("value", "rejected_comment", "current")}
            for row in annotation_history(annotation=review.annotation)
        ]


class ReviewQueueApi(APIView):
    @extend_schema(responses={200: ReviewOutputSerializer(many=True)})
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        _require_reviewer(project=project, user=request.user)
        queue = review_queue(project=project, reviewer=request.user).select_related("annotation__rater")[:QUEUE_PAGE]
        context = {"reveal": reveal_identity(project=project, user=request.user)}
        return Response(ReviewOutputSerializer(queue, many=True, context=context).data)


class DecideInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["accept", "reject"])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewDecideApi(APIView):
    @extend_schema(
        request=DecideInputSerializer,
        responses={
            200: ReviewOutputSerializer,
            400: OpenApiResponse(description="comment_required (a rejection needs a comment)."),
            403: OpenApiResponse(description="reviewer_only, or own_label."),
            409: OpenApiResponse(description="already_decided."),
        },
    )
    def post(self, request: Request, review_id: int) -> Response:
        data = DecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_decide(
            review_id=review_id,
            reviewer=request.user,
            outcome=data.validated_data["outcome"],
            comment=data.validated_data["comment"],
        )
        context = {"reveal": reveal_identity(project=review.project, user=request.user)}
        return Response(ReviewOutputSerializer(review, context=context).data)


class FlagInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=16)
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RaterFlagOutputSerializer(serializers.ModelSerializer):
    """A rater's own flag: no item id, the reply when there is one."""

    instruction_version = serializers.IntegerField(source="instruction_version.version", allow_null=True, default=None)

    class Meta:
        model = ItemFlag
        fields = ["id", "project", "reason", "text", "instruction_version", "created_at", "reply", "replied_at"]


class StaffFlagOutputSerializer(RaterFlagOutputSerializer):
    rater = serializers.SerializerMethodField()

    class Meta(RaterFlagOutputSerializer.Meta):
        fields = [*RaterFlagOutputSerializer.Meta.fields, "item", "rater"]

    def get_rater(self, flag: ItemFlag) -> str:
        return rater_pseudonym(project_id=flag.project_id, rater_id=flag.rater_id)


class TaskFlagApi(APIView):
    @extend_schema(
        request=FlagInputSerializer,
        responses={
            201: RaterFlagOutputSerializer,
            404: OpenApiResponse(description="not_shown: not one of your tasks."),
            409: OpenApiResponse(description="already_flagged."),
        },
    )
    def post(self, request: Request, task_id: str) -> Response:
        data = FlagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = item_flag_create(
            task_id=task_id, rater=request.user, reason=data.validated_data["reason"], text=data.validated_data["text"]
        )
        return Response(RaterFlagOutputSerializer(flag).data, status=status.HTTP_201_CREATED)


class MyFlagsApi(APIView):
    @extend_schema(responses={200: RaterFlagOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(RaterFlagOutputSerializer(flags_of_rater(rater=request.user)[:200], many=True).data)


class VersionFlagsOutputSerializer(serializers.Serializer):
    instruction_version = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    unclear_signal = serializers.BooleanField()


class ProjectFlagsOutputSerializer(serializers.Serializer):
    by_version = VersionFlagsOutputSerializer(many=True)
    flags = StaffFlagOutputSerializer(many=True)


class ProjectFlagsApi(APIView):
    @extend_schema(responses={200: ProjectFlagsOutputSerializer})
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        _require_reviewer(project=project, user=request.user)
        versions = [
            {"instruction_version": v.version, "counts": v.counts, "unclear_signal": v.unclear_signal}
            for v in flags_by_version(project=project)
        ]
        flags = StaffFlagOutputSerializer(flags_for_project(project=project)[:500], many=True).data
        return Response({"by_version": versions, "flags": flags})


class ReplyInputSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=2000, allow_blank=True)


class FlagReplyApi(APIView):
    @extend_schema(request=ReplyInputSerializer, responses={200: StaffFlagOutputSerializer})
    def post(self, request: Request, flag_id: int) -> Response:
        data = ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = item_flag_reply(flag_id=flag_id, staff_user=request.user, reply=data.validated_data["reply"])
        return Response(StaffFlagOutputSerializer(flag).data)
