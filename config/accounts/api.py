"""Token API: obtain (username + password), refresh (rotate), revoke. Send `Authorization: Token <key>`."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.accounts.lockout import LOCKED_MESSAGE, retry_after_seconds
from config.accounts.services import token_issue, token_refresh, token_revoke, user_credentials_revoke
from config.accounts.throttles import LoginAccountThrottle, LoginAddressThrottle
from config.exceptions import ApplicationError, TooManyRequestsError


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


def _token_response(key: str, expiry, code: int = status.HTTP_200_OK) -> Response:
    return Response(TokenOutputSerializer({"token": key, "expiry": expiry}).data, status=code)


class TokenObtainApi(APIView):
    """Open to anonymous callers (it is how they authenticate); throttled and locked out like the web logins."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]

    @extend_schema(request=TokenObtainInputSerializer, responses=TokenOutputSerializer)
    def post(self, request: Request) -> Response:
        body = TokenObtainInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # The Django request, so django-axes records the attempt and flags a lockout where its middleware sees it.
        django_request = request._request
        user = authenticate(
            request=django_request, username=body.validated_data["username"], password=body.validated_data["password"]
        )
        if getattr(django_request, "axes_locked_out", False):
            retry_after = retry_after_seconds(django_request)
            raise TooManyRequestsError(LOCKED_MESSAGE, extra={"code": "login_locked"}, retry_after=retry_after)
        if user is None:
            raise ApplicationError("Unable to log in with these credentials.", extra={"code": "invalid_credentials"})
        key, expiry = token_issue(user=user)
        return _token_response(key, expiry)


def _presented_token(request: Request) -> AuthToken:
    if not isinstance(request.auth, AuthToken):
        raise ApplicationError("Send the API token to refresh or revoke it.", extra={"code": "token_required"})
    return request.auth


class TokenRefreshApi(APIView):
    """Exchange a valid token for a new one with a full lifetime; the old one stops working at once."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=TokenOutputSerializer)
    def post(self, request: Request) -> Response:
        key, expiry = token_refresh(token=_presented_token(request))
        return _token_response(key, expiry)


class TokenRevokeApi(APIView):
    """Log out an API client: the presented token is deleted."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token_revoke(token=_presented_token(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CredentialsRevokeAllApi(APIView):
    """Log out everywhere: every API token and every session of the caller."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        user_credentials_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
