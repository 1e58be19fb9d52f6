"""Projects and membership. Staff create and update projects; raters see only their own projects."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ForbiddenError, NotFoundError
from labeling.api.pagination import DefaultPagination
from labeling.models import LabelType, MeasurementLevel, Project, ProjectMembership, Role
from labeling.selectors.projects import membership_list, project_get_for_user, project_list_for_user, user_can_manage
from labeling.services.projects import (
    EDITABLE_FIELDS,
    membership_add,
    membership_remove,
    project_create,
    project_update,
)

PUBLIC_FIELDS = [
    "id",
    "name",
    "description",
    "label_type",
    "categories",
    "min_value",
    "max_value",
    "measurement_level",
    "overlap",
    "lease_seconds",
    "is_active",
    "created_at",
]


class ProjectOutputSerializer(serializers.ModelSerializer):
    """What a rater may know about a project: the schema, not the quality-control settings."""

    measurement_level = serializers.CharField(read_only=True)

    class Meta:
        model = Project
        fields = PUBLIC_FIELDS


class ProjectManagerOutputSerializer(serializers.ModelSerializer):
    measurement_level = serializers.CharField(read_only=True)

    class Meta:
        model = Project
        fields = PUBLIC_FIELDS + sorted(EDITABLE_FIELDS - set(PUBLIC_FIELDS))


class ProjectInputSerializer(serializers.ModelSerializer):
    """Shape and type checks only; the schema rules live in the service."""

    name = serializers.CharField(max_length=200)
    label_type = serializers.ChoiceField(choices=LabelType.choices)
    categories = serializers.ListField(child=serializers.JSONField(), required=False, default=list)
    measurement_level_override = serializers.ChoiceField(
        choices=[("", "Derived from the label type")] + list(MeasurementLevel.choices), required=False
    )

    class Meta:
        model = Project
        fields = ["name", "label_type", "categories", *sorted(EDITABLE_FIELDS)]


def _project_output(project: Project, user) -> dict:
    serializer = (
        ProjectManagerOutputSerializer if user_can_manage(project=project, user=user) else ProjectOutputSerializer
    )
    return serializer(project).data


def _require_staff(user) -> None:
    if not user.is_staff:
        raise ForbiddenError("Only staff may do this.", extra={"code": "staff_only"})


class ProjectListCreateApi(generics.ListAPIView):
    serializer_class = ProjectOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        return project_list_for_user(user=self.request.user)

    @extend_schema(request=ProjectInputSerializer, responses={201: ProjectManagerOutputSerializer})
    def post(self, request: Request) -> Response:
        _require_staff(request.user)
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = project_create(
            name=fields.pop("name"),
            label_type=fields.pop("label_type"),
            categories=fields.pop("categories", []),
            created_by=request.user,
            **fields,
        )
        return Response(ProjectManagerOutputSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses={200: ProjectOutputSerializer})
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        return Response(_project_output(project, request.user))

    @extend_schema(request=ProjectInputSerializer(partial=True), responses={200: ProjectManagerOutputSerializer})
    def patch(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        _require_staff(request.user)
        data = ProjectInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        project = project_update(project=project, **data.validated_data)
        return Response(ProjectManagerOutputSerializer(project).data)


class MembershipOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ProjectMembership
        fields = ["id", "user", "username", "role", "status", "is_qualified", "joined_at"]


class MembershipInputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(required=False)
    username = serializers.CharField(required=False)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.RATER)

    def validate(self, attrs):
        if "user_id" not in attrs and "username" not in attrs:
            raise serializers.ValidationError("Give user_id or username.")
        return attrs


class MembershipListAddApi(generics.ListAPIView):
    """Staff and project managers list and add members; role rules live in `membership_add`."""

    serializer_class = MembershipOutputSerializer
    pagination_class = DefaultPagination

    def _project(self) -> Project:
        project = project_get_for_user(project_id=self.kwargs["project_id"], user=self.request.user)
        if not user_can_manage(project=project, user=self.request.user):
            raise ForbiddenError("Only staff and project managers may manage members.", extra={"code": "staff_only"})
        return project

    def get_queryset(self):
        return membership_list(project=self._project())

    @extend_schema(request=MembershipInputSerializer, responses={201: MembershipOutputSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = self._project()
        data = MembershipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lookup = (
            {"pk": data.validated_data["user_id"]}
            if "user_id" in data.validated_data
            else {"username": data.validated_data["username"]}
        )
        user = _user_or_404(**lookup)
        membership = membership_add(project=project, user=user, role=data.validated_data["role"], actor=request.user)
        return Response(MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


def _user_or_404(**lookup):
    """The service answers a manager's non-member with this same 404, so ids and usernames cannot be probed."""
    user = get_user_model().objects.filter(**lookup).first()
    if user is None:
        raise NotFoundError("No such user.", extra={"code": "user_not_found"})
    return user


class MembershipRemoveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MembershipRemoveApi(APIView):
    """Remove a member; the person is also banned from the project until staff lift the ban."""

    @extend_schema(request=MembershipRemoveInputSerializer, responses={200: MembershipOutputSerializer})
    def delete(self, request: Request, project_id: int, user_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        if not user_can_manage(project=project, user=request.user):
            raise ForbiddenError("Only staff and project managers may manage members.", extra={"code": "staff_only"})
        data = MembershipRemoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = membership_remove(
            project=project, user=_user_or_404(pk=user_id), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(MembershipOutputSerializer(membership).data)
