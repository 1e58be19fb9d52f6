"""Webhook endpoints API (staff only). Lives here, above config.webhooks, to check the project filter."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ApplicationError
from config.webhooks import selectors
from config.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from config.webhooks.services import deliveries, endpoints
from labeling.api.pagination import DefaultPagination
from labeling.selectors.projects import project_list_for_user


class EndpointOutputSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "project", "description", "status", "created_at"]


class EndpointWithSecretSerializer(EndpointOutputSerializer):
    """Only the create answer carries the secret; afterwards it is shown again only by a rotation."""

    class Meta(EndpointOutputSerializer.Meta):
        fields = [*EndpointOutputSerializer.Meta.fields, "secret"]


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    event_types = serializers.JSONField()
    project = serializers.IntegerField(allow_null=True, required=False)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class EndpointPatchSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    event_types = serializers.JSONField(required=False)
    project = serializers.IntegerField(allow_null=True, required=False)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    status = serializers.CharField(max_length=10, required=False)


class DeliveryOutputSerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.event_id")
    event_type = serializers.CharField(source="event.event_type")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_id", "event_type", "attempt", "status", "response_status", "error", "created_at",
            "next_attempt_at",
        ]  # fmt: skip


class AttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDeliveryAttempt
        fields = ["attempt", "started_at", "duration_ms", "response_status", "error"]


class RotateOutputSerializer(serializers.Serializer):
    secret = serializers.CharField()
    previous_secret_expires_at = serializers.DateTimeField()


def _project_checked(request, project_id: int | None) -> int | None:
    if project_id is not None and not project_list_for_user(user=request.user).filter(pk=project_id).exists():
        raise ApplicationError("No such project.", {"code": "project_not_found", "field": "project"})
    return project_id


class WebhookListCreateApi(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = EndpointOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        return selectors.endpoint_list()

    @extend_schema(request=EndpointInputSerializer, responses={201: EndpointWithSecretSerializer})
    def post(self, request):
        data = EndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        endpoint = endpoints.endpoint_create(
            url=values["url"],
            event_types=values["event_types"],
            project_id=_project_checked(request, values.get("project")),
            description=values.get("description", ""),
            created_by=request.user,
        )
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=EndpointOutputSerializer)
    def get(self, request, endpoint_id: int):
        return Response(EndpointOutputSerializer(selectors.endpoint_get(endpoint_id=endpoint_id)).data)

    @extend_schema(request=EndpointPatchSerializer, responses=EndpointOutputSerializer)
    def patch(self, request, endpoint_id: int):
        data = EndpointPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "project" in changes:
            changes["project_id"] = _project_checked(request, changes.pop("project"))
        endpoint = endpoints.endpoint_update(endpoint_id=endpoint_id, **changes)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request, endpoint_id: int):
        endpoints.endpoint_delete(endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(request=None, responses=RotateOutputSerializer)
    def post(self, request, endpoint_id: int):
        endpoint = endpoints.endpoint_rotate_secret(endpoint_id=endpoint_id)
        return Response(
            RotateOutputSerializer(
                {"secret": endpoint.secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}
            ).data
        )


class WebhookDeliveryListApi(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = DeliveryOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        return selectors.delivery_list(endpoint_id=self.kwargs["endpoint_id"])


class WebhookDeliveryAttemptListApi(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = AttemptOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        return selectors.delivery_attempt_list(delivery_id=self.kwargs["delivery_id"])


class WebhookRedeliverApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(request=None, responses={202: DeliveryOutputSerializer})
    def post(self, request, delivery_id: int):
        delivery = deliveries.delivery_redeliver(delivery_id=delivery_id)
        return Response(DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
