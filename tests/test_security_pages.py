"""What an outsider learns by probing ids: nothing. Another project's pages, items and resolutions answer
exactly like ids that do not exist. Plus the password policy and the CSP the pages are served with."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from labeling.models import Role
from labeling.services.adjudication import resolution_adjudicate
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create
from raters.services.recruitment import campaign_create

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def _user(name: str, *, staff: bool = False):
    return get_user_model().objects.create_user(name, password=PASSWORD, is_staff=staff)


def _project(name: str):
    project = project_create(name=name, label_type="single", categories=["yes", "no"])
    items_import(project=project, records=[{"external_id": "a", "payload": {"text": "Is this a cat?"}}])
    return project


@pytest.fixture
def world():
    secret = _project("Secret client launch")
    mine = _project("My project")
    outsider = _user("outsider")
    membership_add(project=mine, user=outsider, role=Role.REVIEWER)
    staff = _user("staff-member", staff=True)
    item = secret.items.get()
    resolution = resolution_adjudicate(item=item, reviewer=staff, label="yes", rationale="Checked the source image.")
    return {"secret": secret, "outsider": outsider, "item": item, "resolution": resolution, "staff": staff}


def test_another_projects_page_is_404_like_a_missing_one(world):
    browser = Client()
    browser.force_login(world["outsider"])
    secret = world["secret"]
    for suffix in ("", "label/", "exam/", "instructions/", "practice/"):
        seen = browser.get(f"/projects/{secret.pk}/{suffix}")
        missing = browser.get(f"/projects/{secret.pk + 10_000}/{suffix}")
        assert seen.status_code == missing.status_code == 404, suffix
        assert seen.content == missing.content
        assert b"Secret client launch" not in seen.content


def test_item_and_resolution_ids_do_not_leak(world):
    api = APIClient()
    api.force_authenticate(world["outsider"])
    item, resolution = world["item"], world["resolution"]

    seen = api.get(f"/api/items/{item.pk}/resolutions/")
    missing = api.get(f"/api/items/{item.pk + 10_000}/resolutions/")
    assert seen.status_code == missing.status_code == 404
    assert seen.json() == missing.json() == {"message": "No such item.", "extra": {"code": "item_not_found"}}

    body = {"label": "no", "rationale": "I disagree with this one."}
    seen = api.post(f"/api/resolutions/{resolution.pk}/adjudicate/", body, format="json")
    missing = api.post(f"/api/resolutions/{resolution.pk + 10_000}/adjudicate/", body, format="json")
    assert seen.status_code == missing.status_code == 404
    assert seen.json()["message"] == missing.json()["message"] == "No such resolution."
    assert seen.json()["extra"]["code"] == "resolution_not_found"
    assert resolution.item.resolutions.count() == 1  # nothing stored


@pytest.mark.parametrize(
    "password",
    ["12345678", "84736251", "839201746352", "short-pass", "qwerty123456", "1q2w3e4r5t6y"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, user=get_user_model()(username="someone"))


def test_a_long_passphrase_is_accepted():
    validate_password("a-long-pass-phrase-42", user=get_user_model()(username="someone"))


@pytest.mark.parametrize("password", ["87654321", "qwerty123456"])
def test_signup_api_refuses_weak_passwords_and_stores_nothing(password):
    campaign = campaign_create(project=_project("Open campaign"), title="Open to all")
    response = APIClient().post(
        f"/api/raters/campaigns/{campaign.slug}/signup/", {"username": "weakling", "password": password}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["code"] == "weak_password"
    assert not get_user_model().objects.filter(username="weakling").exists()


def _assert_no_inline_code(html: str, path: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, (path, tag)
    for tag in re.findall(r"<style\b[^>]*>", html):
        assert "nonce=" in tag, (path, tag)
    assert not re.search(r"\son[a-z]+\s*=", html), path  # onclick= and friends


def test_pages_carry_a_strict_csp_and_no_inline_script(world):
    staff = Client()
    staff.force_login(world["staff"])
    anonymous = Client()
    pages = [
        (anonymous, "/accounts/login/"),
        (anonymous, "/dashboard/login/"),
        (anonymous, "/admin/login/"),
        (staff, "/"),
        (staff, "/dashboard/"),
        (staff, "/api/docs/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        directives = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
        assert directives["script-src"] == "'self'"
        assert "unsafe" not in directives["style-src"]
        nonces = re.findall(r'<style nonce="([^"]+)"', response.content.decode())
        assert bool(nonces) == (path == "/api/docs/"), path  # Swagger UI's one inline style
        for nonce in nonces:
            assert f"'nonce-{nonce}'" in directives["style-src"], path  # the inline style is allowed by its nonce
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        _assert_no_inline_code(response.content.decode(), path)


def test_swagger_ui_is_self_hosted(world):
    staff = Client()
    staff.force_login(world["staff"])
    html = staff.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in sources)
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    script = next(s for s in sources if "?script" in s or s.endswith("script"))
    assert staff.get(script.replace("&amp;", "&")).status_code == 200


def test_the_refusal_helper_never_names_a_project_the_user_cannot_see(world, rf):
    from django.http import Http404

    from raters.web.views.common import refusal

    request = rf.get("/")
    request.user = world["outsider"]
    with pytest.raises(Http404):
        refusal(request, project=world["secret"], code="not_a_member", message="You are not a member.")
