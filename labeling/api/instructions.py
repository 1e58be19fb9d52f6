"""Versioned instructions: members read and acknowledge; staff and managers publish."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ForbiddenError, NotFoundError
from labeling.api.pagination import DefaultPagination
from labeling.models import InstructionAcknowledgement, InstructionVersion
from labeling.selectors.instructions import instructions_acknowledged, instructions_current, instructions_list
from labeling.selectors.projects import project_get_for_user, user_can_manage
from labeling.services.instructions import instructions_acknowledge, instructions_publish


class InstructionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstructionVersion
        fields = ["id", "version", "body", "change_note", "created_at"]


class InstructionCurrentOutputSerializer(InstructionOutputSerializer):
    acknowledged = serializers.BooleanField()

    class Meta(InstructionOutputSerializer.Meta):
        fields = [*InstructionOutputSerializer.Meta.fields, "acknowledged"]


class InstructionPublishInputSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class InstructionAckOutputSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="instruction_version.version")

    class Meta:
        model = InstructionAcknowledgement
        fields = ["version", "acknowledged_at"]


class InstructionListPublishApi(generics.ListAPIView):
    serializer_class = InstructionOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        project = project_get_for_user(project_id=self.kwargs["project_id"], user=self.request.user)
        return instructions_list(project=project)

    @extend_schema(request=InstructionPublishInputSerializer, responses={201: InstructionOutputSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        if not user_can_manage(project=project, user=request.user):
            raise ForbiddenError(
                "Only staff and project managers may publish instructions.", extra={"code": "staff_only"}
            )
        data = InstructionPublishInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = instructions_publish(project=project, created_by=request.user, **data.validated_data)
        return Response(InstructionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class InstructionCurrentApi(APIView):
    @extend_schema(responses={200: InstructionCurrentOutputSerializer})
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        current = instructions_current(project=project)
        if current is None:
            raise NotFoundError("This project has no instructions.", extra={"code": "no_instructions"})
        current.acknowledged = instructions_acknowledged(project=project, user=request.user)
        return Response(InstructionCurrentOutputSerializer(current).data)


class InstructionAcknowledgeApi(APIView):
    @extend_schema(request=None, responses={200: InstructionAckOutputSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        ack = instructions_acknowledge(project=project, user=request.user)
        return Response(InstructionAckOutputSerializer(ack).data)
