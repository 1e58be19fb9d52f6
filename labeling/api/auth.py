"""Token auth: POST username and password, get the token to send as `Authorization: Token <key>`."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken


class TokenObtainApi(ObtainAuthToken):
    """Open to anonymous callers (it is how they authenticate); everything else requires a login."""
