"""Error mapping against a live server: each refusal is the right exception with the API's message and extra."""

from __future__ import annotations

import socket

import pytest
from labeling_client import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransportError,
)

from tests.client.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_bad_token_is_an_authentication_error(base_url):
    client = Client(base_url, token="not-a-real-token")
    with pytest.raises(AuthenticationError) as caught:
        client.projects.list().to_list()
    assert caught.value.status == 401
    assert caught.value.message and caught.value.code == "authentication_failed"


def test_a_wrong_password_is_refused_with_the_api_message(base_url, make_user):
    make_user("someone")
    with pytest.raises(ApiError) as caught:
        Client.login(base_url, "someone", "wrong-password-123")
    assert caught.value.status in (400, 401) and caught.value.message
    assert caught.value.code


def test_a_rater_calling_staff_endpoints_is_denied(staff, rater_client):
    project = staff.projects.create("client-errors", label_type="single", categories=["a", "b"])
    rater = rater_client("rita")
    staff.projects.add_member(project, username="rita")

    with pytest.raises(PermissionDeniedError) as caught:
        rater.projects.create("rater-made", label_type="single", categories=["a", "b"])
    assert caught.value.status == 403 and caught.value.code == "staff_only"
    assert "staff" in caught.value.message.lower()

    with pytest.raises(PermissionDeniedError):
        rater.items.bulk_import(project, [{"external_id": "x", "payload": {"t": 1}}])
    with pytest.raises(PermissionDeniedError):
        rater.datasets.list()
    # And nothing the rater sent was stored
    assert staff.items.count(project) == 0
    assert staff.projects.find("rater-made") is None


def test_unknown_objects_are_not_found(staff):
    with pytest.raises(NotFoundError) as caught:
        staff.projects.get(987654)
    assert caught.value.status == 404 and caught.value.message and caught.value.code
    with pytest.raises(NotFoundError):
        staff.datasets.get("no-such-dataset")


def test_bad_input_is_a_bad_request_with_its_code_and_fields(staff):
    with pytest.raises(BadRequestError) as caught:
        staff.projects.create("one-category", label_type="single", categories=["only"])
    error = caught.value
    assert error.status == 400 and error.code and error.message
    assert error.extra["code"] == error.code
    assert staff.projects.find("one-category") is None

    with pytest.raises(BadRequestError) as caught:
        staff.projects.create("bad-overlap", label_type="single", categories=["a", "b"], overlap=-1)
    assert caught.value.code == "invalid" and "overlap" in caught.value.extra["fields"]

    staff.projects.create("taken", label_type="single", categories=["a", "b"])
    with pytest.raises(BadRequestError) as caught:
        staff.projects.create("taken", label_type="single", categories=["a", "b"])
    assert caught.value.code == "duplicate_name" and caught.value.extra["fields"] == {"name": "Taken."}


def test_submitting_a_task_twice_is_a_conflict(staff, rater_client):
    project = staff.projects.create(
        "client-conflict", label_type="single", categories=["a", "b"], overlap=1, pause_fast_share_above=None
    )
    staff.items.bulk_import(project, [{"external_id": "only", "payload": {"t": 1}}])
    rater = rater_client("ruth")
    staff.projects.add_member(project, username="ruth")
    task = rater.tasks.next(project)
    assert task is not None
    rater.tasks.submit(task, "a")

    with pytest.raises(ConflictError) as caught:
        rater.tasks.submit(task, "b")
    assert caught.value.status == 409 and caught.value.code == "already_submitted"
    # And a task id that is not theirs (or does not exist) is not found
    with pytest.raises(ApiError) as caught:
        rater.tasks.submit("00000000-0000-0000-0000-000000000000", "a")
    assert caught.value.status == 404 and caught.value.code


def test_a_too_fast_scripted_rater_is_paused_by_the_product(staff, rater_client):
    """The speed rule holds for API raters too: ten instant answers pause the account with code `paused`."""
    project = staff.projects.create("client-fast", label_type="single", categories=["a", "b"], overlap=1)
    staff.items.bulk_import(project, [{"external_id": f"f{n}", "payload": {"n": n}} for n in range(30)])
    rater = rater_client("speedy")
    staff.projects.add_member(project, username="speedy")

    with pytest.raises(PermissionDeniedError) as caught:
        rater.tasks.run(project, lambda task: "a")
    assert caught.value.code == "paused" and "paused" in caught.value.message.lower()
    assert rater.annotations.list(project=project).count < 30


def test_an_unreachable_server_is_a_transport_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", token="t", max_retries=1, backoff=0.01)
    with pytest.raises(TransportError) as caught:
        client.projects.get(1)
    assert str(port) in caught.value.message


def test_a_throttled_login_is_rate_limited_with_retry_after(base_url, make_user):
    """The real login throttle (2 a minute per account here): the third login is a RateLimitedError."""
    from django.test import override_settings

    from config.settings import base

    make_user("throttled")
    rates = {"login_address": "1000/min", "login_account": "2/min"}
    with override_settings(REST_FRAMEWORK={**base.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        for _ in range(2):
            Client.login(base_url, "throttled", PASSWORD).close()
        with pytest.raises(RateLimitedError) as caught:
            Client.login(base_url, "throttled", PASSWORD, max_retries=0)
    assert caught.value.status == 429 and caught.value.code == "rate_limited"
    assert caught.value.retry_after is not None and 1 <= caught.value.retry_after <= 60


def test_from_env_logs_in_with_a_token_or_a_password(base_url, make_user, monkeypatch):
    make_user("envy")
    monkeypatch.setenv("LABELING_URL", base_url)
    monkeypatch.setenv("LABELING_USERNAME", "envy")
    monkeypatch.setenv("LABELING_PASSWORD", PASSWORD)
    by_password = Client.from_env()
    assert by_password.token and by_password.token_expiry
    monkeypatch.setenv("LABELING_TOKEN", by_password.token)
    assert Client.from_env().projects.list().count == 0  # the token works: an empty list, not a 401

    by_password.logout()  # revoked: the same token is now refused
    with pytest.raises(AuthenticationError):
        Client.from_env().projects.list().to_list()
    monkeypatch.delenv("LABELING_URL")
    with pytest.raises(ValueError):
        Client.from_env()
