"""A live server (pytest-django's `live_server`, a real HTTP server in a thread) and accounts for the client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from labeling_client import Client

PASSWORD = "client-pw-123456789"


@pytest.fixture
def make_user() -> Callable[..., object]:
    """Accounts are made the way an operator makes them (createsuperuser / sign-up): the ORM here."""

    def make(username: str, *, staff: bool = False):
        return get_user_model().objects.create_user(username, password=PASSWORD, is_staff=staff)

    return make


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def staff(base_url: str, make_user) -> Iterator[Client]:
    make_user("lead", staff=True)
    with Client.login(base_url, "lead", PASSWORD) as client:
        yield client


@pytest.fixture
def rater_client(base_url: str, make_user) -> Iterator[Callable[[str], Client]]:
    made: list[Client] = []

    def make(username: str) -> Client:
        make_user(username)
        client = Client.login(base_url, username, PASSWORD)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
