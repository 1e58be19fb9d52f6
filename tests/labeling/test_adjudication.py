"""Adjudication end to end through the API: a tie is queued, a reviewer decides, history keeps both."""

from __future__ import annotations

import io

import pytest

from labeling.models import Project, Resolution, ResolutionKind
from labeling.services.adjudication import resolution_adjudicate
from labeling.services.projects import membership_add

CSV = "item,rater,value\ni1,ann,cat\ni1,bob,dog\ni2,ann,cat\ni2,bob,cat\n"


def upload(client, text: str, **fields):
    data = {"file": io.BytesIO(text.encode()), **fields}
    data["file"].name = "labels.csv"
    return client.post("/api/annotation-imports/", data, format="multipart")


@pytest.mark.django_db
def test_tie_goes_to_queue_reviewer_decides_history_keeps_both(api, staff, make_user):
    # Given crowd labels with a tie on i1, imported and resolved through the API by staff
    response = upload(api(staff), CSV, project="adj", create="true", label_type="single", categories="cat,dog")
    assert response.status_code == 201, response.json()
    project = Project.objects.get(name="adj")
    resolved = api(staff).post(
        f"/api/projects/{project.pk}/resolve/", {"run": "now", "method": "majority"}, format="json"
    )
    assert resolved.status_code == 200 and resolved.json()["written"] == 2

    reviewer = make_user(name="reviewer")
    membership_add(project=project, user=reviewer, role="reviewer")
    client = api(reviewer)

    # Then the tie is in the adjudication queue and the agreed item is not
    queue = client.get(f"/api/projects/{project.pk}/adjudication-queue/").json()
    assert queue["count"] == 1
    queued = queue["results"][0]
    assert queued["item_external_id"] == "i1" and queued["adjudication_reason"] == "tie"
    assert queued["distribution"] == {"cat": 0.5, "dog": 0.5}

    # When the reviewer decides without a rationale it is refused; with one it is recorded
    url = f"/api/resolutions/{queued['id']}/adjudicate/"
    refused = client.post(url, {"label": "dog", "rationale": ""}, format="json")
    assert refused.status_code == 400
    bad_label = client.post(url, {"label": "horse", "rationale": "The picture shows a horse."}, format="json")
    assert bad_label.status_code == 400
    decided = client.post(url, {"label": "dog", "rationale": "Pointed ears and a leash: a dog."}, format="json")
    assert decided.status_code == 201, decided.json()
    assert decided.json()["kind"] == "adjudication" and decided.json()["supersedes"] == queued["id"]

    # Then the history shows both records and the queue is empty
    history = client.get(f"/api/items/{queued['item']}/resolutions/").json()
    assert [h["kind"] for h in history] == ["automatic", "adjudication"]
    assert [h["is_current"] for h in history] == [False, True]
    assert history[0]["label"] == "cat" and history[0]["needs_adjudication"] is True
    assert history[1]["label"] == "dog" and history[1]["decided_by"] == "reviewer"
    assert history[1]["rationale"] == "Pointed ears and a leash: a dog."
    assert client.get(f"/api/projects/{project.pk}/adjudication-queue/").json()["count"] == 0

    # A second decision on the superseded row is a conflict, not a silent overwrite
    stale = client.post(url, {"label": "cat", "rationale": "Second thoughts about it."}, format="json")
    assert stale.status_code == 409

    # Re-resolving the project keeps the human decision
    again = api(staff).post(f"/api/projects/{project.pk}/resolve/", {"run": "now"}, format="json").json()
    assert again["kept_adjudicated"] == 1 and again["written"] == 0
    assert Resolution.objects.get(item_id=queued["item"], is_current=True).kind == ResolutionKind.ADJUDICATION


@pytest.mark.django_db
def test_raters_see_no_agreement_queue_or_history(api, staff, make_user):
    upload(api(staff), CSV, project="adj", create="true", label_type="single")
    project = Project.objects.get(name="adj")
    rater = make_user(name="a-rater")
    membership_add(project=project, user=rater, role="rater")
    outsider = make_user(name="outsider")
    item = project.items.get(external_id="i1")
    for path in ("agreement/", "report/", "adjudication-queue/", "confusion-matrix/", "rater-reliability/"):
        assert api(rater).get(f"/api/projects/{project.pk}/{path}").status_code == 403
        assert api(outsider).get(f"/api/projects/{project.pk}/{path}").status_code == 404
        assert api().get(f"/api/projects/{project.pk}/{path}").status_code in (401, 403)
    assert api(rater).get(f"/api/items/{item.pk}/resolutions/").status_code == 403
    assert api(rater).post(f"/api/projects/{project.pk}/resolve/", {"run": "now"}, format="json").status_code == 403
    assert upload(api(rater), CSV, project="adj").status_code == 403
    with pytest.raises(Exception, match="reviewers"):
        resolution_adjudicate(item=item, reviewer=rater, label="cat", rationale="I think it is a cat.")


@pytest.mark.django_db
def test_reports_for_reviewers(api, staff, make_user):
    upload(api(staff), CSV, project="adj", create="true", label_type="single", categories="cat,dog")
    project = Project.objects.get(name="adj")
    manager = make_user(name="manager")
    membership_add(project=project, user=manager, role="manager")
    agreement = api(manager).get(f"/api/projects/{project.pk}/agreement/?bootstrap=50")
    assert agreement.status_code == 200
    body = agreement.json()
    assert body["measurement_level"] == "nominal" and body["percent_agreement"] == 0.5
    assert {p["shared_units"] for p in body["per_rater_pair"]} == {2}
    report = api(manager).get(f"/api/projects/{project.pk}/report/?bootstrap=0").json()
    assert set(report["alpha"]) == {"nominal"}
    assert api(manager).get(f"/api/projects/{project.pk}/agreement/?bootstrap=-1").status_code == 400


@pytest.mark.django_db
def test_staff_may_decide_an_item_never_resolved(api, staff):
    upload(api(staff), CSV, project="adj", create="true", label_type="single", categories="cat,dog")
    item = Project.objects.get(name="adj").items.get(external_id="i1")
    decision = resolution_adjudicate(item=item, reviewer=staff, label="cat", rationale="Checked the source image.")
    assert decision.supersedes is None and decision.is_current and decision.annotation_count == 2
    assert decision.decided_by == staff and decision.kind == ResolutionKind.ADJUDICATION
