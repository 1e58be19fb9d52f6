"""The staff setup pages through Django's test client: each form calls its service; a refusal stores nothing."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice.cache import snapshot_get
from config import celery_app
from datasets.models import Dataset, DatasetVersion
from labeling.models import InstructionVersion, Item, Project, ProjectMembership
from raters.models import CampaignInvite, ProjectBan, RecruitmentCampaign

PASSWORD = "pw-123456789"


@pytest.fixture
def eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def lead(client, make_user):
    user = make_user(staff=True, name="lead")
    client.force_login(user)
    return user


def _project_post(**overrides) -> dict:
    data = {
        "name": "Sentiment",
        "description": "",
        "label_type": "single",
        "categories": "positive\nnegative\nneutral",
        "overlap": "1",
        "lease_seconds": "600",
        "gold_ratio": "0.1",
        "review_mode": "off",
        "review_share": "0.1",
        "flag_unclear_threshold": "3",
        "aggregation_method": "majority",
        "confidence_threshold": "0.6",
        "exam_pass_mark": "0.8",
        "exam_cooldown_minutes": "60",
        "pause_min_gold": "10",
        "pause_gold_accuracy_below": "0.7",
        "fast_answer_seconds": "2",
        "pause_fast_share_above": "",
        "pause_min_answers": "10",
        "pay_per_annotation_cents": "5",
        "gold_bonus_cents": "1",
        "gold_bonus_threshold": "0.9",
        "budget_cents": "10000",
        "requires_exam": "on",
    }
    return {**data, **overrides}


def test_setup_pages_are_staff_only(client, make_user):
    client.force_login(make_user(name="rater"))
    response = client.get(reverse("dashboard:setup_project_new"))
    assert response.status_code == 403 and response["X-Refusal-Code"] == "staff_only"
    assert client.post(reverse("dashboard:setup_project_new"), _project_post()).status_code == 403
    assert not Project.objects.exists()


def test_create_project_then_refuse_a_bad_schema_next_to_its_field(client, lead):
    response = client.post(reverse("dashboard:setup_project_new"), _project_post())
    project = Project.objects.get(name="Sentiment")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:setup", args=[project.pk])
    assert project.categories == ["positive", "negative", "neutral"] and project.created_by == lead
    assert project.requires_exam and project.pause_fast_share_above is None and project.budget_cents == 10000

    # The service's refusals come back beside the field, with a 400, and nothing is stored.
    response = client.post(reverse("dashboard:setup_project_new"), _project_post(name="Other", categories="only"))
    assert response.status_code == 400
    assert "at least two categories" in " ".join(response.context["form"].errors["categories"])
    response = client.post(reverse("dashboard:setup_project_new"), _project_post())
    assert response.status_code == 400 and "name" in response.context["form"].errors
    response = client.post(reverse("dashboard:setup_project_new"), _project_post(name="X", overlap="many"))
    assert response.status_code == 400 and "overlap" in response.context["form"].errors
    assert Project.objects.count() == 1

    response = client.post(
        reverse("dashboard:setup_project_edit", args=[project.pk]), _project_post(overlap="2", is_active="on")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.overlap == 2 and project.is_active


def test_instructions_preview_diff_then_publish(client, lead, make_project):
    project = make_project(regular=0, instructions="# Old\n\nPick one.")
    url = reverse("dashboard:setup_instructions", args=[project.pk])
    response = client.post(url, {"body": "# New\n\nPick **one**.", "change_note": "bold", "action": "preview"})
    html = response.content.decode()
    assert "<strong>one</strong>" in html  # the raters' renderer
    assert '<span class="del">-# Old</span>' in html and '<span class="add">+# New</span>' in html
    assert "Publish version 2" in html and InstructionVersion.objects.filter(project=project).count() == 1
    response = client.post(url, {"body": "# New\n\nPick **one**.", "change_note": "bold", "action": "publish"})
    assert response.status_code == 302
    assert InstructionVersion.objects.filter(project=project).order_by("-version").first().version == 2
    # An empty body is refused beside the field; no version is added.
    response = client.post(url, {"body": "  ", "action": "publish"})
    assert response.status_code == 400 and InstructionVersion.objects.filter(project=project).count() == 2


def test_exam_upload_sets_flags_and_gold_from_the_answer_column(client, lead, make_project):
    project = make_project(regular=0)
    csv_text = (
        "external_id,text,label\n"
        "e1,I love it.,positive\n"
        "e2,Terrible.,negative\n"
        "e3,No answer here.,\n"
        "e4,A made-up answer.,ecstatic\n"
    )
    upload = SimpleUploadedFile("exam.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(
        reverse("dashboard:setup_items", args=[project.pk]),
        {"kind": "exam", "file": upload, "answer_column": "label", "explanation_column": ""},
        HTTP_ACCEPT="application/json",
    )
    report = response.json()
    assert response.status_code == 200 and report["created"] == 2 and report["error_count"] == 2
    assert [(e["row"], e["external_id"], e["field"]) for e in report["errors"]] == [
        (3, "e3", "gold_value"),
        (4, "e4", "gold_value"),
    ]
    assert "ecstatic" not in report["errors"][1]["reason"] and "one of" in report["errors"][1]["reason"]
    exam = Item.objects.get(project=project, external_id="e1")
    assert exam.is_exam and exam.is_gold and not exam.is_practice and exam.gold_value == "positive"
    assert exam.payload == {"text": "I love it."}  # the answer column is not shown to raters


def test_practice_upload_in_jsonl_and_a_refused_file(client, lead, make_project):
    project = make_project(regular=0)
    lines = json.dumps({"text": "Great, but broke.", "label": "negative", "explanation": "The last sentence decides."})
    upload = SimpleUploadedFile("practice.jsonl", lines.encode())
    url = reverse("dashboard:setup_items", args=[project.pk])
    response = client.post(
        url, {"kind": "practice", "file": upload, "answer_column": "label", "explanation_column": "explanation"}
    )
    assert response.status_code == 200 and "1 created" in response.content.decode()
    item = Item.objects.get(project=project, is_practice=True)
    assert item.gold_value == "negative" and item.gold_explanation == "The last sentence decides."
    # A file whose format cannot be told is refused with the import service's message; nothing is stored.
    response = client.post(
        url, {"kind": "items", "file": SimpleUploadedFile("items.xlsx", b"x")}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and response.json()["extra"]["code"] == "unknown_format"
    response = client.post(url, {"kind": "nonsense"}, HTTP_ACCEPT="application/json")  # no file, unknown kind
    assert response.status_code == 400 and set(response.json()["extra"]["fields"]) == {"kind", "file"}
    assert Item.objects.filter(project=project).count() == 1


def test_campaign_and_invite_link(client, lead, make_project):
    project = make_project(regular=3)
    url = reverse("dashboard:setup_campaigns", args=[project.pk])
    response = client.post(url, {"title": "Rate reviews", "slug": "reviews", "places": "5", "invite_only": "on"})
    assert response.status_code == 302
    campaign = RecruitmentCampaign.objects.get(slug="reviews")
    assert campaign.project == project and campaign.invite_only and campaign.places == 5
    response = client.post(url, {"title": "Again", "slug": "reviews"})
    assert response.status_code == 400 and "slug" in response.context["form"].errors
    response = client.post(
        reverse("dashboard:setup_invite", args=[project.pk, campaign.pk]), {"max_uses": "3"}, follow=True
    )
    invite = CampaignInvite.objects.get(campaign=campaign)
    assert invite.max_uses == 3 and f"/join/reviews/?invite={invite.token}" in response.content.decode()


def test_members_add_change_role_remove(client, lead, make_project, make_user):
    project = make_project(regular=1)
    ann = make_user(name="ann")
    url = reverse("dashboard:setup_members", args=[project.pk])
    assert client.post(url, {"username": "ann", "role": "rater"}).status_code == 302
    response = client.post(url, {"username": "nobody", "role": "rater"})
    assert response.status_code == 400 and "username" in response.context["form"].errors
    client.post(reverse("dashboard:setup_member_role", args=[project.pk, ann.pk]), {"role": "reviewer"})
    assert ProjectMembership.objects.get(project=project, user=ann).role == "reviewer"
    client.post(reverse("dashboard:setup_member_remove", args=[project.pk, ann.pk]), {"reason": "spam"})
    assert ProjectMembership.objects.get(project=project, user=ann).status == "removed"
    assert ProjectBan.objects.filter(project=project, user=ann).exists()
    # The service's ban rule refuses a re-add, and the page shows its message.
    response = client.post(url, {"username": "ann", "role": "rater"})
    assert response.status_code == 400 and "banned" in response.content.decode()


def test_manager_refusals_are_shown(client, make_user, make_project):
    """A manager who is also staff-less cannot reach the page at all: the dashboard is staff only."""
    project = make_project(regular=1)
    manager = make_user(name="mgr")
    ProjectMembership.objects.create(project=project, user=manager, role="manager")
    client.force_login(manager)
    assert client.post(reverse("dashboard:setup_members", args=[project.pk]), {"username": "mgr"}).status_code == 403


def test_define_build_download_and_the_datasets_page_shows_the_version(
    client, lead, make_project, eager, django_capture_on_commit_callbacks
):
    project = make_project(regular=2, gold=3)
    client.get(reverse("dashboard:datasets"))  # the page's figures are cached before the build
    response = client.post(
        reverse("dashboard:setup_datasets"),
        {
            "name": "gold-set",
            "projects": [project.pk],
            "gold": "known_answer",
            "train_fraction": "0.8",
            "validation_fraction": "0.1",
            "test_fraction": "0.1",
        },
    )
    assert response.status_code == 302 and Dataset.objects.filter(name="gold-set").exists()
    response = client.post(
        reverse("dashboard:setup_datasets"),
        {
            "name": "bad",
            "projects": [project.pk],
            "gold": "exclude",
            "train_fraction": "0.5",
            "validation_fraction": "0.1",
            "test_fraction": "0.1",
        },
    )
    assert response.status_code == 400 and "sum to 1" in response.content.decode()
    assert not Dataset.objects.filter(name="bad").exists()

    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, run in-process
        response = client.post(reverse("dashboard:setup_dataset_build", args=["gold-set"]))
    assert response.status_code == 302
    version = DatasetVersion.objects.get(dataset__name="gold-set")
    # The build task refreshed the Datasets page's figures itself when it finished.
    cached = snapshot_get(section="datasets", scope="all")["data"]["datasets"]
    assert [(d["name"], [v["status"] for v in d["versions"]]) for d in cached] == [("gold-set", ["ready"])]
    status = client.get(reverse("dashboard:setup_version_status", args=["gold-set", version.number])).json()
    assert status["status"] == "ready" and status["rows"] == 3 and status["progress"] == 1.0
    download = client.get(reverse("dashboard:setup_version_download", args=["gold-set", version.number, "csv"]))
    frame = pd.read_csv(io.BytesIO(b"".join(download.streaming_content)))
    assert len(frame) == 3 and set(frame["source"]) == {"gold"}
    # No Recompute press: the page shows the new version.
    page = client.get(reverse("dashboard:datasets")).content.decode()
    assert "gold-set" in page and "No datasets yet" not in page and "v1" in page


def test_datasets_page_notices_a_build_made_elsewhere(client, lead, make_project):
    from datasets.services.build import dataset_build
    from datasets.services.definitions import dataset_create

    project = make_project(regular=1, gold=2)
    dataset = dataset_create(name="cli-set", project_ids=[project.pk], gold="known_answer")
    assert "No datasets" not in client.get(reverse("dashboard:datasets")).content.decode()
    assert "v1" not in client.get(reverse("dashboard:datasets")).content.decode()
    dataset_build(dataset=dataset)  # as `manage.py dataset_build` does
    assert "<strong>v1</strong>" in client.get(reverse("dashboard:datasets")).content.decode()


def test_schema_is_locked_once_labels_exist_and_the_page_says_why(client, lead, make_project):
    from labeling.services.annotation_import import annotations_import

    project = make_project(regular=2, name="Locked")
    rows = pd.DataFrame([{"item": "r0", "rater": "early", "value": "positive"}])
    annotations_import(project_name="Locked", rows=rows)  # one label exists
    response = client.post(
        reverse("dashboard:setup_project_edit", args=[project.pk]),
        _project_post(name="Locked", categories="positive\nnegative", is_active="on"),
    )
    form = response.context["form"]
    assert response.status_code == 400 and "cannot change once annotations exist" in " ".join(form.non_field_errors())
    assert form.errors["categories"] == ["Locked."]
    project.refresh_from_db()
    assert project.categories == ["positive", "negative", "neutral"]


def test_a_too_big_upload_is_refused_before_it_is_read(client, lead, make_project, settings):
    project = make_project(regular=0)
    settings.LABELING = {**settings.LABELING, "ITEM_UPLOAD_MAX_BYTES": 200}
    body = "external_id,text\n" + "".join(f"x{i},Sentence number {i}.\n" for i in range(50))
    response = client.post(
        reverse("dashboard:setup_items", args=[project.pk]),
        {"kind": "items", "file": SimpleUploadedFile("items.csv", body.encode())},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 413 and response.json()["extra"]["code"] == "upload_too_large"
    assert not Item.objects.filter(project=project).exists()


def test_the_build_page_polls_a_version_still_building(client, lead, make_project):
    project = make_project(regular=1, gold=1)
    client.post(
        reverse("dashboard:setup_datasets"),
        {
            "name": "slow",
            "projects": [project.pk],
            "gold": "known_answer",
            "train_fraction": "0.8",
            "validation_fraction": "0.1",
            "test_fraction": "0.1",
        },
    )
    response = client.post(reverse("dashboard:setup_dataset_build", args=["slow"]))  # no worker runs here
    assert response["Location"] == reverse("dashboard:setup_version", args=["slow", 1])
    assert client.get(response["Location"]).status_code == 200
    status = client.get(reverse("dashboard:setup_version_status", args=["slow", 1])).json()
    assert status == {"status": "building", "progress": 0.0, "rows": 0, "error": "", "split_counts": {}}
    download = client.get(reverse("dashboard:setup_version_download", args=["slow", 1, "csv"]))
    assert download.status_code == 302  # only a ready version downloads
