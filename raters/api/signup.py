"""Sign-up over the API: the one raters endpoint open to anonymous visitors, like the campaign page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.accounts.services import token_issue
from raters.api.throttles import SIGNUP_THROTTLES
from raters.models import RaterType, RecruitmentCampaign
from raters.services.recruitment import rater_sign_up


class SignUpSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    rater_type = serializers.ChoiceField(choices=RaterType.choices, default=RaterType.GENERALIST)
    expertise = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    invite = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    consent = serializers.BooleanField(required=False, default=False)
    attributes = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)


class CampaignSignUpApi(APIView):
    """Rate-limited per client address and per campaign (429 `rate_limited` with Retry-After)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = list(SIGNUP_THROTTLES)

    @extend_schema(responses=OpenApiTypes.OBJECT, request=SignUpSerializer)
    def post(self, request: Request, slug: str) -> Response:
        campaign = get_object_or_404(RecruitmentCampaign, slug=slug)
        data = SignUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        invite = values.pop("invite")
        user = rater_sign_up(campaign=campaign, invite_token=invite, **values)
        token_key, _expiry = token_issue(user=user)
        return Response(
            {
                "user_id": user.pk,
                "username": user.get_username(),
                "token": token_key,
                "project_id": campaign.project_id,
            },
            status=status.HTTP_201_CREATED,
        )
