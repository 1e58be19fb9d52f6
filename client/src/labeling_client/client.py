"""The entry point: `Client(base_url, token=...)` or `Client.login(base_url, username, password)`."""

from __future__ import annotations

import os
from typing import Any

import requests

from labeling_client.resources.annotations import Annotations, Labels, Resolutions
from labeling_client.resources.datasets import Datasets
from labeling_client.resources.items import Items
from labeling_client.resources.predictions import Predictions
from labeling_client.resources.projects import Projects
from labeling_client.resources.tasks import Tasks
from labeling_client.resources.webhooks import Webhooks
from labeling_client.transport import Transport


class Client:
    """A session with the labeling system's API. Every call raises an ApiError subclass on refusal."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        self.transport = Transport(
            base_url, token=token, timeout=timeout, max_retries=max_retries, backoff=backoff, session=session
        )
        self.token_expiry: str | None = None
        self.projects = Projects(self.transport)
        self.items = Items(self.transport)
        self.tasks = Tasks(self.transport)
        self.annotations = Annotations(self.transport)
        self.resolutions = Resolutions(self.transport)
        self.labels = Labels(self.transport)
        self.datasets = Datasets(self.transport)
        self.predictions = Predictions(self.transport)
        self.webhooks = Webhooks(self.transport)

    @classmethod
    def login(cls, base_url: str, username: str, password: str, **options: Any) -> Client:
        """Exchange a username and password for an API token (`POST /api/auth/token/`)."""
        client = cls(base_url, **options)
        client.authenticate(username, password)
        return client

    @classmethod
    def from_env(cls, **options: Any) -> Client:
        """`LABELING_URL` with `LABELING_TOKEN`, or with `LABELING_USERNAME` and `LABELING_PASSWORD`."""
        url = os.environ.get("LABELING_URL")
        if not url:
            raise ValueError("Set LABELING_URL (and LABELING_TOKEN, or LABELING_USERNAME and LABELING_PASSWORD).")
        token = os.environ.get("LABELING_TOKEN")
        if token:
            return cls(url, token, **options)
        username, password = os.environ.get("LABELING_USERNAME"), os.environ.get("LABELING_PASSWORD")
        if not (username and password):
            raise ValueError("Set LABELING_TOKEN, or LABELING_USERNAME and LABELING_PASSWORD.")
        return cls.login(url, username, password, **options)

    def authenticate(self, username: str, password: str) -> str:
        self.transport.token = None
        answer = self.transport.json("POST", "api/auth/token/", json={"username": username, "password": password})
        self.transport.token = answer["token"]
        self.token_expiry = answer.get("expiry")
        return answer["token"]

    def refresh_token(self) -> str:
        """Swap the token for a new one (the old stops working)."""
        answer = self.transport.json("POST", "api/auth/token/refresh/")
        self.transport.token = answer["token"]
        self.token_expiry = answer.get("expiry")
        return answer["token"]

    def logout(self) -> None:
        """Revoke this client's token."""
        self.transport.json("POST", "api/auth/token/revoke/")
        self.transport.token = None

    @property
    def token(self) -> str | None:
        return self.transport.token

    def me(self) -> dict[str, Any]:
        """A rater's own stats (tasks done, gold accuracy, earnings, pause status)."""
        return self.transport.json("GET", "api/raters/me/")

    def close(self) -> None:
        self.transport.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.transport.base_url!r})"
