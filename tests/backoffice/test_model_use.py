"""The quality page's model panel: keep-rate when shown against the control arm, and the queue streams."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.model_settings import model_settings_update
from labeling.services.predictions import predictions_import
from labeling.services.projects import membership_add, project_create
from labeling.services.suggestions import lease_suggestion

pytestmark = pytest.mark.django_db


def _project(name: str, *, predictions: bool):
    project = project_create(name=name, label_type="single", categories=["cat", "dog"], overlap=1)
    items_import(project=project, records=[{"external_id": f"x{i}", "payload": {"text": str(i)}} for i in range(12)])
    if predictions:
        rows = [{"item": f"x{i}", "value": "dog", "probabilities": {"cat": 0.3, "dog": 0.7}} for i in range(12)]
        predictions_import(project=project, model="clf", version="v1", rows=rows)
        model_settings_update(
            project=project, preannotations=True, preannotation_control_share=0.5,
            active_learning="margin", active_learning_random_share=0.5,
        )  # fmt: skip
    return project


def test_panel_shows_keep_rates_and_streams(client):
    # Given a project with suggestions on: raters keep every suggestion they see, and answer "cat" otherwise
    project = _project("with-model", predictions=True)
    users = get_user_model()
    for i in range(12):
        rater = users.objects.create_user(f"r{i}", password="pw-123456789")
        membership_add(project=project, user=rater)
        lease = assignment_lease_next(project=project, rater=rater)
        shown = lease_suggestion(assignment=lease)
        annotation_submit(assignment_id=lease.pk, rater=rater, value="dog" if shown else "cat")
    staff = users.objects.create_user("lead", password="pw-123456789", is_staff=True)
    client.force_login(staff)
    # When staff open the quality page
    page = client.get(f"/dashboard/projects/{project.pk}/quality/").content.decode()
    # Then the model panel draws both figures with data
    section = page[page.index('id="model"') :]
    assert "Do raters keep the suggestion?" in section and "clf v1: 12 predictions" in section
    assert len(re.findall(r'<svg[^>]*data-chart="bar"[^>]*data-empty="false"', section.split("</section>")[0])) == 2
    assert "Annotations equal to the model" in section and "control" in section


def test_no_panel_without_predictions(client):
    project = _project("plain", predictions=False)
    client.force_login(get_user_model().objects.create_user("lead", password="pw-123456789", is_staff=True))
    page = client.get(f"/dashboard/projects/{project.pk}/quality/").content.decode()
    assert 'id="model"' not in page
