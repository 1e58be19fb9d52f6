"""Exam and practice over the API. Exam and practice items are served as bare payloads."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.selectors.projects import project_get_for_user
from raters.api.serializers import ItemQuestionSerializer
from raters.selectors.onboarding import exam_items, exam_status, practice_next_item
from raters.services.qualification import exam_submit, practice_answer_submit


class ExamSubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.JSONField(), help_text="{item_id: value}")


def _status(project, user) -> dict:
    exam = exam_status(project=project, user=user)
    return {
        "attempts": exam.attempts,
        "last_score": exam.last_score,
        "passed": exam.passed,
        "retry_at": exam.retry_at if exam.cooling_down else None,
        "pass_mark": project.exam_pass_mark,
        "cooldown_minutes": project.exam_cooldown_minutes,
    }


class ExamApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        return Response(
            {
                "status": _status(project, request.user),
                "questions": ItemQuestionSerializer(exam_items(project=project), many=True).data,
                "categories": project.categories,
            }
        )

    @extend_schema(responses={201: OpenApiTypes.OBJECT}, request=ExamSubmitSerializer)
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        data = ExamSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = exam_submit(project=project, user=request.user, answers=data.validated_data["answers"])
        return Response(
            {
                "correct": attempt.correct,
                "total": attempt.total,
                "score": attempt.score,
                "passed": attempt.passed,
                "status": _status(project, request.user),
            },
            status=status.HTTP_201_CREATED,
        )


class PracticeAnswerSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    value = serializers.JSONField()


class PracticeApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, 204: None})
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        item = practice_next_item(project=project, user=request.user)
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ItemQuestionSerializer(item).data)

    @extend_schema(responses={201: OpenApiTypes.OBJECT}, request=PracticeAnswerSerializer)
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        data = PracticeAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = practice_answer_submit(project=project, user=request.user, **data.validated_data)
        return Response(
            {
                "correct": answer.is_correct,
                "your_answer": answer.value,
                "correct_answer": answer.item.gold_value,
                "explanation": answer.item.gold_explanation,
            },
            status=status.HTTP_201_CREATED,
        )
