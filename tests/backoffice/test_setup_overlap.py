"""The setup form's adaptive-overlap settings: stored through the project service, refused beside the field."""

from __future__ import annotations

from django.urls import reverse

from labeling.models import Project
from tests.backoffice.test_setup import _project_post, lead  # noqa: F401 - the staff login fixture


def test_a_project_is_made_adaptive_from_the_setup_form(client, lead):  # noqa: F811
    response = client.post(
        reverse("dashboard:setup_project_new"),
        _project_post(overlap_policy="adaptive", overlap_min="2", overlap_max="6", overlap_target="0.97"),
    )
    assert response.status_code == 302
    project = Project.objects.get(name="Sentiment")
    assert (project.overlap_policy, project.overlap_min, project.overlap_max, project.overlap_target) == (
        "adaptive",
        2,
        6,
        0.97,
    )
    page = client.get(reverse("dashboard:setup_project_edit", args=[project.pk])).content.decode()
    assert 'name="overlap_target"' in page and "Adaptive overlap" in page
    overview = client.get(reverse("dashboard:setup", args=[project.pk])).content.decode()
    assert "adaptive overlap 2–6 to 0.97" in overview


def test_a_bad_target_or_range_is_refused_beside_its_field(client, lead):  # noqa: F811
    response = client.post(
        reverse("dashboard:setup_project_new"),
        _project_post(overlap_policy="adaptive", overlap_min="4", overlap_max="3", overlap_target="1.5"),
    )
    form = response.context["form"]
    assert response.status_code == 400
    assert "overlap_max" in form.errors and "overlap_target" in form.errors
    assert not Project.objects.filter(name="Sentiment").exists()


def test_a_post_without_the_adaptive_fields_keeps_fixed_overlap(client, lead):  # noqa: F811
    assert client.post(reverse("dashboard:setup_project_new"), _project_post()).status_code == 302
    assert Project.objects.get(name="Sentiment").overlap_policy == "fixed"
