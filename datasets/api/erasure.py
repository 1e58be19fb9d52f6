"""Staff endpoint that erases one end user everywhere (datasets.services.user_erasure)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets.services.user_erasure import user_erase


class UserEraseApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema_serializer(component_name="UserEraseInput")
    class InputSerializer(serializers.Serializer):
        user_id = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"erased": user_erase(user_id=data.validated_data["user_id"])})
