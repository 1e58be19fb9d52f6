from __future__ import annotations

import pytest
from django.core.management import call_command

from feedback.models import DirectLabel, FeedbackEvent, InferenceRequest
from tests.feedback.helpers import event_bytes, fb, feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db


def test_erase_user_deletes_requests_feedback_and_labels_of_that_user_only(capsys):
    make_rule()
    feed(
        req(request_bytes("r1", user_id="alice")),
        req(request_bytes("r2", user_id="bob")),
        fb(event_bytes("e1", "r1")),
        fb(event_bytes("e2", "r2")),
    )
    call_command("erase_user", "alice")
    assert "requests=1" in capsys.readouterr().out
    assert list(InferenceRequest.objects.values_list("pk", flat=True)) == ["r2"]
    assert list(FeedbackEvent.objects.values_list("pk", flat=True)) == ["e2"]
    assert list(DirectLabel.objects.values_list("request_id", flat=True)) == ["r2"]


def test_erase_api_needs_staff(client, django_user_model):
    make_rule()
    feed(req(request_bytes("r1", user_id="alice")))
    user = django_user_model.objects.create_user("rater", password="x")
    client.force_login(user)
    assert client.post("/api/feedback/erase-user/", {"user_id": "alice"}).status_code == 403
    user.is_staff = True
    user.save()
    response = client.post("/api/feedback/erase-user/", {"user_id": "alice"})
    assert response.status_code == 200 and response.json()["erased"]["requests"] == 1
    assert not InferenceRequest.objects.exists()
