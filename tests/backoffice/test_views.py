"""The dashboard pages through Django's test client: staff see every page, raters and anonymous don't."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from labeling.models import Resolution
from tests.backoffice.seed import seed_rte


@pytest.fixture
def project(shared_data, tmp_path):
    return seed_rte(rte_path=shared_data / "snow2008" / "rte.standardized.tsv", tmp=tmp_path, items_limit=120)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("lead", password="pw-123456789", is_staff=True)


def page_urls(project) -> list[str]:
    rater = project.annotations.order_by("rater_id").values_list("rater_id", flat=True).first()
    return [
        "/dashboard/",
        f"/dashboard/projects/{project.pk}/quality/",
        f"/dashboard/projects/{project.pk}/raters/",
        f"/dashboard/projects/{project.pk}/raters/{rater}/",
        f"/dashboard/projects/{project.pk}/cost/",
        f"/dashboard/projects/{project.pk}/diversity/",
        "/dashboard/health/",
        "/dashboard/datasets/",
    ]


@pytest.mark.django_db
def test_staff_sees_every_page_with_charts(client, project, staff):
    client.force_login(staff)
    for url in page_urls(project):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Figures computed" in response.content or url == "/dashboard/", url
    quality = client.get(f"/dashboard/projects/{project.pk}/quality/").content.decode()
    for kind in ("line", "bar", "confusion"):
        chart = re.search(rf'<svg[^>]*data-chart="{kind}"[^>]*data-empty="false"', quality)
        assert chart, kind
    assert 'class="data cell"' in quality


@pytest.mark.django_db
def test_rater_is_refused_and_anonymous_sent_to_login(client, project):
    rater = project.memberships.first().user
    for url in page_urls(project):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dashboard/login/"), url
    client.force_login(rater)
    for url in page_urls(project):
        assert client.get(url).status_code == 403, url
    assert client.post("/dashboard/recompute/", {"section": "quality", "project": project.pk}).status_code == 403


@pytest.mark.django_db
def test_alpha_matches_krippendorff_package(client, project, staff):
    import krippendorff
    import numpy as np

    # Agreement is about the crowd: the matrix holds regular items only (gold items measure raters).
    rows = list(project.annotations.filter(item__is_gold=False).values_list("rater_id", "item_id", "value"))
    raters = sorted({r for r, _, _ in rows})
    items = sorted({i for _, i, _ in rows})
    matrix = np.full((len(raters), len(items)), np.nan)
    for r, i, v in rows:
        matrix[raters.index(r), items.index(i)] = v
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    client.force_login(staff)
    page = client.get(f"/dashboard/projects/{project.pk}/quality/")
    figures = page.context["page"]["figures"]
    overall = figures["overall"]
    # The headline is the agreement report's alpha (rounded to 4 digits).
    assert overall["alpha"] == pytest.approx(expected, abs=1e-4)
    assert overall["low"] < overall["alpha"] < overall["high"]
    # The last point of the cumulative series covers every label: the same estimator, the same number.
    assert figures["over_time"][-1]["alpha"] == overall["alpha"]


@pytest.mark.django_db
def test_raters_table_sorts(client, project, staff):
    client.force_login(staff)
    rows = client.get(f"/dashboard/projects/{project.pk}/raters/?sort=consensus_agreement&dir=asc").context["page"][
        "rows"
    ]
    values = [r["consensus_agreement"] for r in rows if r["consensus_agreement"] is not None]
    assert values == sorted(values) and len(values) > 10
    # Gold items were answered by most raters, mostly correctly.
    gold = [r["gold_accuracy"] for r in rows if r["gold_accuracy"] is not None]
    assert len(gold) > 10 and sum(gold) / len(gold) > 0.6
    paused = client.get(f"/dashboard/projects/{project.pk}/raters/?sort=status&dir=desc").context["page"]["rows"][0]
    assert paused["status"] == "paused" and "2 seconds" in paused["pause_reason"]
    detail = client.get(f"/dashboard/projects/{project.pk}/raters/{paused['rater_id']}/")
    assert b"Too many answers under 2 seconds." in detail.content


@pytest.mark.django_db
def test_queue_lists_items_needing_adjudication(client, project, staff):
    client.force_login(staff)
    page = client.get(f"/dashboard/projects/{project.pk}/quality/").context["page"]
    expected = Resolution.objects.filter(project=project, is_current=True, needs_adjudication=True).count()
    assert expected > 0
    assert page["queue_total"] == expected


@pytest.mark.django_db
def test_adjudicate_from_the_queue_goes_through_the_service(client, project, staff):
    queued = Resolution.objects.filter(project=project, is_current=True, needs_adjudication=True).first()
    url = f"/dashboard/projects/{project.pk}/adjudicate/{queued.pk}/"
    label = json.dumps(project.categories[1])

    rater = project.memberships.first().user
    client.force_login(rater)
    assert client.post(url, {"label": label, "rationale": "I am not staff at all."}).status_code == 403

    client.force_login(staff)
    refused = client.post(url, {"label": label, "rationale": "short"}, follow=True)
    assert "rationale" in refused.content.decode().lower()
    assert Resolution.objects.get(pk=queued.pk).is_current

    decided = client.post(url, {"label": label, "rationale": "Entailment holds per the guidelines."}, follow=True)
    assert decided.redirect_chain[-1][0].endswith(f"/dashboard/projects/{project.pk}/quality/#queue")
    current = Resolution.objects.get(item=queued.item, is_current=True)
    assert current.kind == "adjudication" and current.label == project.categories[1]
    assert current.decided_by == staff and current.supersedes_id == queued.pk
    # A second decision on the stale resolution is refused (409 from the service), not applied twice.
    again = client.post(url, {"label": label, "rationale": "Entailment holds per the guidelines."}, follow=True)
    assert "no longer current" in again.content.decode()


@pytest.mark.django_db
def test_big_project_without_figures_waits_for_the_worker(
    client, project, staff, monkeypatch, django_capture_on_commit_callbacks
):
    # Given a threshold below this project's size, a missing snapshot is never computed in the request.
    monkeypatch.setattr("backoffice.selectors.common.INLINE_COMPUTE_MAX_ANNOTATIONS", 100)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.get(f"/dashboard/projects/{project.pk}/quality/")
        second = client.get(f"/dashboard/projects/{project.pk}/quality/")
    assert first.status_code == second.status_code == 200
    assert b"Computing the quality figures" in first.content
    assert len(callbacks) == 1  # one worker request, not one per page view


def _project_with(label_type: str, values: list, **fields):
    from labeling.models import Annotation, Item, Project

    User = get_user_model()
    project = Project.objects.create(name=f"p-{label_type}", label_type=label_type, overlap=3, **fields)
    raters = [User.objects.create_user(f"{label_type}-r{i}") for i in range(3)]
    for n, row in enumerate(values):
        item = Item.objects.create(project=project, content_hash=f"h{n}", payload={}, slots_open=0)
        for rater, value in zip(raters, row, strict=True):
            Annotation.objects.create(project=project, item=item, rater=rater, value=value, time_spent_ms=3000)
        Resolution.objects.create(project=project, item=item, method="median", label=sorted(row)[1], confidence=1)
    return project


@pytest.mark.django_db
def test_numeric_and_multi_label_projects_render(client, staff):
    client.force_login(staff)
    rng = __import__("random").Random(1)
    numeric = _project_with(
        "interval", [[v, v + rng.uniform(-1, 1), v + rng.uniform(-1, 1)] for v in range(40)], min_value=-5, max_value=50
    )
    page = client.get(f"/dashboard/projects/{numeric.pk}/quality/")
    assert page.status_code == 200
    figures = page.context["page"]["figures"]
    assert figures["level"] == "interval" and figures["overall"]["alpha"] > 0.9
    assert page.context["page"]["decide_options"] == []  # numeric labels are typed in, not picked
    multi = _project_with("multi", [[["a"], ["a", "b"], ["b", "a"]] for _ in range(10)], categories=["a", "b"])
    for section in ("quality", "raters", "cost"):
        assert client.get(f"/dashboard/projects/{multi.pk}/{section}/").status_code == 200
