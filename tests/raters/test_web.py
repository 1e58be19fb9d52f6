"""The rater web UI: refusals, CSRF, sign-up, onboarding pages, and gold items that look like any other."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from labeling.models import MembershipStatus, ProjectMembership
from labeling.services.assignment import assignment_lease_next
from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.projects import project_update
from raters.models import ApplicationStatus, RaterApplication
from raters.services.quality import rater_pause

pytestmark = pytest.mark.django_db

INSTRUCTIONS = "# Sentiment\n\nPick the **overall** feeling.\n\n- positive\n- negative\n- neutral"
TASK_FIELD = r'name="task_id" value="([0-9a-f-]{36})"'


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(make_project):
    return make_project(regular=10, instructions=INSTRUCTIONS)


@pytest.fixture
def publish_v2():
    def publish(project):
        return instructions_publish(project=project, body=INSTRUCTIONS + "\n\nSarcasm counts as negative.")

    return publish


@pytest.mark.parametrize("path", ["/", "/me/stats/", "/me/attributes/", "/projects/{p}/label/", "/projects/{p}/exam/"])
def test_anonymous_visitor_is_sent_to_login(project, path):
    response = Client().get(path.format(p=project.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    login_page = Client().get(response["Location"])
    assert login_page.status_code == 200
    assert b"Please log in to see that page." in login_page.content


def test_anonymous_post_to_label_is_refused(project):
    response = Client().post(f"/projects/{project.pk}/label/", {"task_id": "x", "value": "0"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_paused_rater_sees_why_and_gets_no_task(project, make_rater, staff):
    rater = make_rater(project)
    rater_pause(project=project, user=rater, reason="gold accuracy 40% is below 70%.", actor=staff)
    client = _client(rater)

    response = client.get(f"/projects/{project.pk}/label/")

    assert response.status_code == 403
    assert response["X-Refusal-Code"] == "paused"
    assert "Your account is paused on this project: gold accuracy 40% is below 70%." in response.content.decode()
    assert b'name="task_id"' not in response.content
    stats = client.get("/me/stats/").content.decode()
    assert "gold accuracy 40% is below 70%." in stats and "Paused" in stats


def test_unqualified_rater_is_pointed_to_the_exam(make_project, make_rater):
    project = make_project(regular=3, exam=3, requires_exam=True)
    rater = make_rater(project, qualified=False)
    response = _client(rater).get(f"/projects/{project.pk}/label/")
    assert response.status_code == 403
    assert response["X-Refusal-Code"] == "not_qualified"
    body = response.content.decode()
    assert "You have not qualified for this project yet." in body
    assert f"/projects/{project.pk}/exam/" in body


def test_rater_of_another_project_gets_404_like_a_missing_project(project, make_project, make_rater):
    outsider = make_rater(make_project(regular=1))
    client = _client(outsider)
    for path in ("", "label/", "exam/", "instructions/", "practice/"):
        response = client.get(f"/projects/{project.pk}/{path}")
        missing = client.get(f"/projects/{project.pk + 10_000}/{path}")
        assert response.status_code == 404, path
        assert response.content == missing.content, path
        assert project.name.encode() not in response.content
    response = client.post(f"/projects/{project.pk}/label/", {"task_id": "x", "value": "0"})
    assert response.status_code == 404


def test_label_page_shows_item_instructions_and_hotkeys(project, make_rater):
    rater = make_rater(project)
    response = _client(rater).get(f"/projects/{project.pk}/label/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Regular review number" in body
    assert 'data-hotkey="1"' in body and 'data-hotkey="3"' in body
    assert "<strong>overall</strong>" in body and ">v1<" in body
    assert "csrfmiddlewaretoken" in body
    assert 'id="timer"' in body and "0 / 10 labeled" in body


def test_submitting_through_the_form_stores_the_label_and_moves_on(project, make_rater):
    rater = make_rater(project)
    client = _client(rater)
    first = client.get(f"/projects/{project.pk}/label/").content.decode()
    task_id = re.search(TASK_FIELD, first).group(1)
    assert task_id == str(rater.assignments.get().task_id)
    assert 'name="instruction_version" value="1"' in first

    response = client.post(
        f"/projects/{project.pk}/label/",
        {"task_id": task_id, "value": "1", "time_spent_ms": "4200", "instruction_version": "1"},
    )

    assert response.status_code == 302
    annotation = rater.annotations.get()
    assert annotation.value == "negative" and annotation.source == "ui"
    assert annotation.client_time_spent_ms == 4200 and annotation.time_spent_ms < 4200  # the server's clock
    second = client.get(f"/projects/{project.pk}/label/").content.decode()
    assert re.search(TASK_FIELD, second).group(1) != task_id
    assert "1 / 10 labeled" in second


def test_label_typed_as_the_instructions_changed_is_not_saved(project, make_rater, publish_v2):
    rater = make_rater(project)
    client = _client(rater)
    page = client.get(f"/projects/{project.pk}/label/").content.decode()
    form = {"task_id": re.search(TASK_FIELD, page).group(1), "value": "1", "instruction_version": "1"}
    # Given new instructions published while the rater types
    publish_v2(project)

    # When the label is sent before the rater acknowledged them, or after acknowledging in another tab
    for acknowledge_first in (False, True):
        if acknowledge_first:
            instructions_acknowledge(project=project, user=rater)
        response = client.post(f"/projects/{project.pk}/label/", form, follow=True)

        # Then the rater lands on the instructions page, told the label was not saved, and nothing is stored
        assert response.redirect_chain[-1][0] == f"/projects/{project.pk}/instructions/"
        assert "your label was not saved" in response.content.decode()
        assert not rater.annotations.exists()
    again = client.get(f"/projects/{project.pk}/label/").content.decode()
    assert re.search(TASK_FIELD, again).group(1) == form["task_id"]  # the same task, now under v2
    assert 'name="instruction_version" value="2"' in again
    client.post(f"/projects/{project.pk}/label/", {**form, "instruction_version": "2"})
    assert rater.annotations.get().instruction_version.version == 2


def test_skip_needs_a_reason(project, make_rater):
    rater = make_rater(project)
    client = _client(rater)
    page = client.get(f"/projects/{project.pk}/label/").content.decode()
    task_id = re.search(TASK_FIELD, page).group(1)
    client.post(f"/projects/{project.pk}/label/skip/", {"task_id": task_id, "reason": ""})
    assert rater.assignments.get(task_id=task_id).status == "leased"
    client.post(f"/projects/{project.pk}/label/skip/", {"task_id": task_id, "reason": "Not English"})
    skipped = rater.assignments.get(task_id=task_id)
    assert skipped.status == "skipped" and skipped.skip_reason == "Not English"


def test_every_form_needs_csrf(project, make_rater, make_campaign):
    rater = make_rater(project)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rater)
    for path in (f"/projects/{project.pk}/label/", f"/projects/{project.pk}/instructions/", "/me/attributes/"):
        assert client.post(path, {}).status_code == 403, path
    campaign = make_campaign(project)
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(f"/join/{campaign.slug}/", {"username": "x"}).status_code == 403


def _normalise(html: str, assignment, user) -> str:
    html = html.replace(assignment.item.payload["text"], "PAYLOAD").replace(user.username, "USER")
    html = html.replace(str(assignment.task_id), "TASK")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="T"', html)


def test_gold_items_look_exactly_like_other_items(make_project, make_rater):
    # Given a gold item leased to one rater and a regular item to another
    project = make_project(regular=5, gold=5, gold_ratio=1.0, instructions=INSTRUCTIONS)
    gold_rater, regular_rater = make_rater(project, name="alice1"), make_rater(project, name="bobby1")
    gold = assignment_lease_next(project=project, rater=gold_rater)
    project = project_update(project=project, gold_ratio=0.0)
    regular = assignment_lease_next(project=project, rater=regular_rater)
    assert gold.item.is_gold and not regular.item.is_gold

    # When both open the labeling screen and the task API
    gold_page = _client(gold_rater).get(f"/projects/{project.pk}/label/").content.decode()
    regular_page = _client(regular_rater).get(f"/projects/{project.pk}/label/").content.decode()

    # Then the pages are identical except for the item text, ids and tokens; nothing says "gold"
    assert _normalise(gold_page, gold, gold_rater) == _normalise(regular_page, regular, regular_rater)
    assert "gold" not in gold_page.lower()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(gold_rater)
    task = api.post(f"/api/projects/{project.pk}/tasks/next/").json()
    assert set(task) == {
        "task_id",
        "project_id",
        "payload",
        "leased_at",
        "expires_at",
        "instruction_version",
        "review_comment",
        "previous_value",
        "suggestion",
    }
    assert task["review_comment"] is None and task["previous_value"] is None
    assert "gold" not in str(task).lower()


def test_signup_through_campaign_page(make_project, make_campaign):
    project = make_project(regular=3, exam=2, requires_exam=True)
    campaign = make_campaign(project, description="Help us rate reviews.")
    page = Client().get(f"/join/{campaign.slug}/")
    assert page.status_code == 200 and b"Help us rate reviews." in page.content

    response = Client().post(
        f"/join/{campaign.slug}/",
        {
            "username": "newbie",
            "password": "a-long-pass-phrase-42",
            "password_again": "a-long-pass-phrase-42",
            "rater_type": "expert",
            "expertise": "linguistics",
            "consent": "on",
            "language": "en",
            "age_band": "25-34",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    user = get_user_model().objects.get(username="newbie")
    assert user.rater_profile.rater_type == "expert"
    assert user.rater_attributes.language == "en"
    membership = ProjectMembership.objects.get(project=project, user=user)
    assert membership.is_qualified is False and membership.status == MembershipStatus.ACTIVE
    assert RaterApplication.objects.get(user=user).status == ApplicationStatus.PENDING


def test_signup_refuses_attributes_without_consent_and_weak_passwords(make_campaign):
    campaign = make_campaign()
    response = Client().post(
        f"/join/{campaign.slug}/",
        {"username": "x1", "password": "abc", "password_again": "abc", "rater_type": "generalist", "language": "en"},
    )
    assert response.status_code == 400
    assert b"Tick the consent box" in response.content
    assert not get_user_model().objects.filter(username="x1").exists()


def test_invite_only_campaign(make_campaign):
    from raters.services.recruitment import invite_create

    campaign = make_campaign(invite_only=True)
    form = {
        "username": "inv1",
        "password": "a-long-pass-phrase-42",
        "password_again": "a-long-pass-phrase-42",
        "rater_type": "generalist",
    }
    refused = Client().post(f"/join/{campaign.slug}/", form)
    assert refused.status_code == 403 and b"by invitation only" in refused.content
    invite = invite_create(campaign=campaign, max_uses=1)
    assert Client().post(f"/join/{campaign.slug}/", {**form, "invite": invite.token}).status_code == 302
    again = Client().post(f"/join/{campaign.slug}/", {**form, "username": "inv2", "invite": invite.token})
    assert again.status_code == 403 and b"already been used" in again.content


def test_exam_fail_cooldown_then_pass(make_project, make_rater):
    project = make_project(regular=3, exam=3, requires_exam=True, exam_pass_mark=0.66, exam_cooldown_minutes=30)
    rater = make_rater(project, qualified=False)
    client = _client(rater)
    page = client.get(f"/projects/{project.pk}/exam/").content.decode()
    fields = re.findall(r'name="(item-\d+)"', page)
    assert len(set(fields)) == 3

    wrong = client.post(f"/projects/{project.pk}/exam/", dict.fromkeys(set(fields), "2"))  # all "neutral"
    assert "You scored 1 of 3" in wrong.content.decode()
    retry = client.post(f"/projects/{project.pk}/exam/", dict.fromkeys(set(fields), "0"))
    assert retry.status_code == 403 and b"You can retry the exam after" in retry.content

    from raters.models import ExamAttempt

    ExamAttempt.objects.filter(user=rater).update(submitted_at="2000-01-01T00:00Z")
    answers = {
        f"item-{item.pk}": str(["positive", "negative", "neutral"].index(item.gold_value))
        for item in project.items.filter(is_exam=True)
    }
    passed = client.post(f"/projects/{project.pk}/exam/", answers)
    assert passed.status_code == 302
    assert ProjectMembership.objects.get(project=project, user=rater).is_qualified


def test_practice_shows_the_correct_answer_and_why(make_project, make_rater):
    project = make_project(regular=1, practice=2)
    rater = make_rater(project)
    client = _client(rater)
    page = client.get(f"/projects/{project.pk}/practice/").content.decode()
    item_id = re.search(r'name="item_id" value="(\d+)"', page).group(1)
    item = project.items.get(pk=item_id)
    wrong_index = (["positive", "negative", "neutral"].index(item.gold_value) + 1) % 3
    feedback = client.post(f"/projects/{project.pk}/practice/", {"item_id": item_id, "value": str(wrong_index)})
    body = feedback.content.decode()
    assert "Not quite." in body
    assert f"the correct answer is <strong>{item.gold_value}</strong>" in body
    assert f"Why: {item.gold_explanation}" in body


def test_attributes_can_be_withdrawn(make_user):
    user = make_user()
    client = _client(user)
    client.post("/me/attributes/", {"consent": "on", "language": "fr", "region": "EU"})
    assert user.rater_attributes.language == "fr"
    client.post("/me/attributes/", {"action": "withdraw"})
    from raters.models import ConsentEvent, RaterAttributes

    assert not RaterAttributes.objects.filter(user=user).exists()
    assert list(ConsentEvent.objects.filter(user=user).values_list("action", flat=True).order_by("id")) == [
        "given",
        "withdrawn",
    ]


def test_spent_budget_is_a_clear_refusal_on_the_label_page(make_project, make_rater):
    project = make_project(regular=5, overlap=1, pay_per_annotation_cents=10, budget_cents=10)
    first, second = make_rater(project), make_rater(project)
    assert _client(first).get(f"/projects/{project.pk}/label/").status_code == 200  # reserves the only paid task
    response = _client(second).get(f"/projects/{project.pk}/label/")
    assert response.status_code == 403
    assert response["X-Refusal-Code"] == "budget_spent"
    assert b"budget is spent; no new tasks are handed out." in response.content
