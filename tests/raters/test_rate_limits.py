"""Rate limits on recruitment: a script signing up from one address is stopped, and stores nothing more.

The rates are lowered with `override_settings`; the counters live in the Redis cache, cleared per test.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from raters.models import RaterApplication

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-42"
GENEROUS = "10000/hour"


def _limits(**rates: str) -> dict:
    return {
        "RATE_LIMITS": {
            "signup_address": GENEROUS,
            "signup_campaign": GENEROUS,
            "applications_address": GENEROUS,
            **rates,
        }
    }


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(make_project, make_campaign):
    return make_campaign(make_project(regular=50))


def _api_sign_up(client: APIClient, campaign, name: str, **extra):
    return client.post(
        f"/api/raters/campaigns/{campaign.slug}/signup/",
        {"username": name, "password": PASSWORD},
        format="json",
        **extra,
    )


@override_settings(RATERS=_limits(signup_address="5/hour"))
def test_thirty_scripted_api_sign_ups_from_one_address_stop_at_the_limit(campaign):
    # Given a script that signs up 30 accounts from one address, changing X-Forwarded-For each time
    client = APIClient()
    responses = [
        _api_sign_up(client, campaign, f"bot{i}", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}", REMOTE_ADDR="203.0.113.7")
        for i in range(30)
    ]

    # Then the first 5 are accounts and the other 25 are 429 in the one error shape, with Retry-After
    assert [r.status_code for r in responses] == [201] * 5 + [429] * 25
    refused = responses[-1]
    body = refused.json()
    assert body["extra"]["code"] == "rate_limited" and body["extra"]["retry_after"] >= 1
    assert int(refused["Retry-After"]) == body["extra"]["retry_after"]
    assert 3000 <= int(refused["Retry-After"]) <= 3600  # the hour window
    # And no further account or application was created
    assert get_user_model().objects.filter(username__startswith="bot").count() == 5
    assert RaterApplication.objects.filter(campaign=campaign).count() == 5

    # While another address still gets in
    assert _api_sign_up(client, campaign, "human", REMOTE_ADDR="198.51.100.9").status_code == 201


@override_settings(RATERS=_limits(signup_campaign="4/hour"))
def test_one_campaign_caps_sign_ups_from_many_addresses(campaign, make_campaign, make_project):
    # A botnet rotating real addresses still meets the per-campaign ceiling
    client = APIClient()
    codes = [_api_sign_up(client, campaign, f"net{i}", REMOTE_ADDR=f"192.0.2.{i}").status_code for i in range(8)]
    assert codes == [201] * 4 + [429] * 4
    assert get_user_model().objects.filter(username__startswith="net").count() == 4
    other = make_campaign(make_project(regular=5))
    assert _api_sign_up(client, other, "elsewhere", REMOTE_ADDR="192.0.2.99").status_code == 201


@override_settings(RATERS=_limits(signup_address="3/hour"))
def test_the_web_form_is_limited_per_address(campaign, make_user):
    # Given a script posting the public sign-up form from one address (a fresh session each time)
    def post(name: str):
        return Client(REMOTE_ADDR="203.0.113.8").post(f"/join/{campaign.slug}/", {**form, "username": name})

    form = {"password": PASSWORD, "password_again": PASSWORD, "rater_type": "generalist"}
    codes = [post(f"web{i}").status_code for i in range(6)]

    # Then after 3 posts it gets a 429 page with Retry-After and no account
    assert codes == [302] * 3 + [429] * 3
    limited = post("web-last")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert b"Too many sign-ups" in limited.content
    assert get_user_model().objects.filter(username__startswith="web").count() == 3
    # Reading the page is not limited; a logged-in join from the same address is
    assert Client(REMOTE_ADDR="203.0.113.8").get(f"/join/{campaign.slug}/").status_code == 200
    member = Client(REMOTE_ADDR="203.0.113.8")
    member.force_login(make_user())
    assert member.post(f"/join/{campaign.slug}/").status_code == 429


@override_settings(RATERS=_limits(applications_address="3/minute"))
def test_application_endpoints_are_limited(staff):
    client = APIClient(REMOTE_ADDR="203.0.113.10")
    client.force_authenticate(staff)
    codes = [client.get("/api/raters/applications/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.post("/api/raters/applications/1/approve/", {"note": "x"})
    assert refused.status_code == 429 and refused.json()["extra"]["code"] == "rate_limited"
    assert "Retry-After" in refused
