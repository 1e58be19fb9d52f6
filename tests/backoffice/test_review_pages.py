"""The review and flags pages: staff only, every refusal a message with nothing stored, charts drawn."""

from __future__ import annotations

import pytest
from django.test import Client

from labeling.models import ItemFlag, Review, ReviewState
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.flags import item_flag_create

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewed(make_project, make_rater):
    project = make_project(regular=3, overlap=1, review_mode="all", pause_fast_share_above=None)
    rater = make_rater(project)
    lease = assignment_lease_next(project=project, rater=rater)
    annotation_submit(assignment_id=lease.pk, rater=rater, value="positive")
    item_flag_create(task_id=lease.task_id, rater=rater, reason="unclear")
    return project, rater


def test_raters_are_refused_the_review_and_flags_pages(reviewed):
    project, rater = reviewed
    for path in (f"/dashboard/projects/{project.pk}/review/", f"/dashboard/projects/{project.pk}/flags/"):
        response = _client(rater).get(path)
        assert response.status_code == 403 and response["X-Refusal-Code"] == "staff_only"
    review = Review.objects.get()
    _client(rater).post(f"/dashboard/projects/{project.pk}/review/{review.pk}/", {"outcome": "accept"})
    assert Review.objects.get().state == ReviewState.PENDING


def test_staff_reject_needs_a_comment_then_works(reviewed, make_user):
    staff = make_user(staff=True)
    project, rater = reviewed
    review = Review.objects.get()
    page = _client(staff).get(f"/dashboard/projects/{project.pk}/review/").content.decode()
    assert "review-row" in page and rater.username not in page and "<svg" in page
    url = f"/dashboard/projects/{project.pk}/review/{review.pk}/"
    response = _client(staff).post(url, {"outcome": "reject", "comment": ""}, follow=True)
    assert "Say what is wrong" in response.content.decode()
    assert Review.objects.get().state == ReviewState.PENDING
    _client(staff).post(url, {"outcome": "reject", "comment": "It is negative."})
    assert Review.objects.get().state == ReviewState.REJECTED
    again = _client(staff).post(url, {"outcome": "accept"}, follow=True)
    assert "already reviewed" in again.content.decode()
    assert Review.objects.get().state == ReviewState.REJECTED


def test_flags_page_shows_the_flag_and_staff_reply(reviewed, make_user):
    staff = make_user(staff=True)
    project, _ = reviewed
    page = _client(staff).get(f"/dashboard/projects/{project.pk}/flags/").content.decode()
    assert "flag-row" in page and "unclear" in page
    flag = ItemFlag.objects.get()
    _client(staff).post(f"/dashboard/projects/{project.pk}/flags/{flag.pk}/reply/", {"note": "Fixed in v2."})
    flag.refresh_from_db()
    assert flag.reply == "Fixed in v2." and flag.replied_by == staff
