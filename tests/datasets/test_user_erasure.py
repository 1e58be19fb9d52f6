"""datasets/services/user_erasure.py: one erasure removes a user from feedback and every dataset version."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from datasets.models import DatasetRow
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from datasets.services.user_erasure import user_erase
from feedback.models import DirectLabel, InferenceRequest
from tests.datasets.conftest import add_direct_labels

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    add_direct_labels(
        "ranker",
        [
            {"request_id": "req-1", "label": 1.0, "user_id": "u-alice", "features": {"country": "de"}},
            {"request_id": "req-2", "label": 0.0, "user_id": "u-alice", "features": {"country": "de"}},
            {"request_id": "req-3", "label": 1.0, "user_id": "u-bob", "features": {"country": "fr"}},
        ],
    )
    return dataset_build(dataset=dataset_create(name="ds-direct", direct_model="ranker"))


def test_api_erases_feedback_and_dataset_rows_together(client, django_user_model, built):
    # Given alice's two requests in feedback and in a built version, and a rater who scripts the endpoint
    assert DatasetRow.objects.filter(version=built).count() == 3
    rater = django_user_model.objects.create_user("rater", password="x")
    client.force_login(rater)
    assert client.post("/api/feedback/erase-user/", {"user_id": "u-alice"}).status_code == 403
    assert InferenceRequest.objects.filter(user_id="u-alice").count() == 2  # refused: nothing erased

    # When staff erase her
    rater.is_staff = True
    rater.save()
    response = client.post("/api/feedback/erase-user/", {"user_id": "u-alice"})

    # Then both parts are erased in one call and the counts say so
    assert response.status_code == 200
    assert response.json()["erased"] == {"requests": 2, "feedback_events": 0, "labels": 2, "dataset_rows": 2}
    assert not InferenceRequest.objects.filter(user_id="u-alice").exists()
    assert list(DatasetRow.objects.filter(version=built).values_list("request_id", flat=True)) == ["req-3"]


def test_command_erases_dataset_rows_too(built):
    out = io.StringIO()
    call_command("erase_user", "u-bob", stdout=out)
    assert "dataset_rows=1" in out.getvalue()
    assert not DatasetRow.objects.filter(request_id="req-3").exists()


def test_a_failing_dataset_erasure_keeps_the_feedback_rows(monkeypatch, built):
    """Unit test of user_erase's transaction (beside the integration tests above): all or nothing."""

    def broken(*, user_id: str) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("datasets.services.user_erasure.dataset_rows_erase_feedback_user", broken)
    with pytest.raises(RuntimeError):
        user_erase(user_id="u-alice")
    assert DirectLabel.objects.filter(request__user_id="u-alice").count() == 2
    assert InferenceRequest.objects.filter(user_id="u-alice").count() == 2
