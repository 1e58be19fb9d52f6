from django.urls import path

from config.accounts.api import CredentialsRevokeAllApi, TokenObtainApi, TokenRefreshApi, TokenRevokeApi

app_name = "accounts"

urlpatterns = [
    path("token/", TokenObtainApi.as_view(), name="token"),
    path("token/refresh/", TokenRefreshApi.as_view(), name="token-refresh"),
    path("token/revoke/", TokenRevokeApi.as_view(), name="token-revoke"),
    path("logout-everywhere/", CredentialsRevokeAllApi.as_view(), name="logout-everywhere"),
]
