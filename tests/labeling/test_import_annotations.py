"""import_annotations: bulk import of outside crowd labels, duplicates reported, gold kept for evaluation."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from labeling.models import Annotation, Item, Project, ProjectMembership
from labeling.services.annotation_import import rater_username


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run(*args, **options):
    out = io.StringIO()
    call_command("import_annotations", *args, stdout=out, verbosity=0, **options)
    return out.getvalue()


def run_rejecting(*args, **options):
    """The output of an import that rejects some rows: it fails (exit code 1) after importing the rest."""
    out = io.StringIO()
    with pytest.raises(CommandError, match="rejected; the .* valid annotation"):
        call_command("import_annotations", *args, stdout=out, verbosity=0, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_import_creates_items_raters_and_annotations(tmp_path):
    path = write(tmp_path, "a.csv", "item,rater,value\nq1,w 1,10\nq1,w2,2\nq2,w2,2\nq3,w2,\n")
    out = io.StringIO()
    # One row has no value: the command fails (exit code 1) and says so, the valid rows stay imported
    with pytest.raises(CommandError, match="1 row\\(s\\) with an empty value .* the 3 valid annotation"):
        call_command(
            "import_annotations",
            path,
            stdout=out,
            verbosity=0,
            project="p",
            create=True,
            label_type="single",
            json=True,
        )
    summary = json.loads(out.getvalue())

    project = Project.objects.get(name="p")
    # Categories are inferred in numeric order, values stay strings for a single-choice project
    assert project.categories == ["2", "10"] and summary["categories"] == ["2", "10"]
    assert summary["imported"] == 3 and summary["empty_values"] == 1 and summary["items_created"] == 2
    assert project.overlap == 2
    q1 = Item.objects.get(project=project, external_id="q1")
    assert q1.slots_open == 0 and q1.annotation_count == 2 and not q1.is_gold
    assert set(Annotation.objects.filter(item=q1).values_list("value", flat=True)) == {"10", "2"}
    assert set(Annotation.objects.values_list("source", flat=True)) == {"import"}
    # Rater ids become valid, distinct usernames with unusable passwords and a rater membership
    user = get_user_model().objects.get(username=rater_username("w 1"))
    assert user.username.startswith("crowd-w_1-") and not user.has_usable_password()
    assert ProjectMembership.objects.get(project=project, user=user).role == "rater"


@pytest.mark.django_db
def test_duplicates_are_reported_not_merged(tmp_path):
    text = "item,rater,value\nq1,w1,a\nq1,w1,b\nq1,w2,a\nq2,w1,a\n"
    path = write(tmp_path, "d.csv", text)
    with pytest.raises(CommandError, match="Duplicate") as error:
        run(path, project="d", create=True, label_type="single")
    assert '"duplicate_rows": 2' in str(error.value) and "q1" in str(error.value)
    assert not Project.objects.filter(name="d").exists()  # all or nothing

    first = json.loads(run(path, project="d", create=True, label_type="single", duplicates="first", json=True))
    assert first["duplicate_pairs"] == 1 and first["imported"] == 3
    assert first["duplicates"] == [{"item": "q1", "rater": "w1", "values": ["a", "b"]}]
    assert Annotation.objects.get(item__external_id="q1", rater__username="crowd-w1").value == "a"

    skipped = json.loads(run(path, project="d2", create=True, label_type="single", duplicates="skip", json=True))
    assert skipped["imported"] == 2 and skipped["duplicate_rows"] == 2


@pytest.mark.django_db
def test_reimport_keeps_existing_annotations_and_rejects_unknown_values(tmp_path):
    path = write(tmp_path, "a.csv", "item,rater,value\nq1,w1,cat\nq1,w2,dog\n")
    run(path, project="r", create=True, label_type="single")
    changed = write(tmp_path, "b.csv", "item,rater,value\nq1,w1,dog\nq2,w1,cat\n")
    again = json.loads(run(changed, project="r", json=True))
    assert again["already_present"] == 1 and again["imported"] == 1
    assert Annotation.objects.get(item__external_id="q1", rater__username="crowd-w1").value == "cat"
    assert Item.objects.get(external_id="q1").annotation_count == 2

    bad = write(tmp_path, "c.csv", "item,rater,value\nq3,w1,horse\n")
    with pytest.raises(CommandError, match="outside"):
        run(bad, project="r")
    with pytest.raises(CommandError, match="No such project"):
        run(bad, project="missing")
    with pytest.raises(CommandError, match="lacks required columns"):
        run(write(tmp_path, "e.csv", "item,worker,label\nq,w,a\n"), project="r")


@pytest.mark.django_db
def test_a_created_project_passes_project_creates_checks(tmp_path):
    # Given labels with a single distinct value: no single-choice schema a rater could answer
    path = write(tmp_path, "one.csv", "item,rater,value\nq1,w1,cat\nq2,w2,cat\n")
    # When it is imported into a new project, then project_create refuses the schema and nothing is stored
    with pytest.raises(CommandError, match="Invalid project settings"):
        run(path, project="one", create=True, label_type="single")
    assert not Project.objects.filter(name="one").exists() and not Annotation.objects.exists()


@pytest.mark.django_db
def test_a_banned_rater_refuses_the_import(tmp_path):
    from raters.services.bans import project_ban_create

    # Given a project with a rater it banned
    run(
        write(tmp_path, "a.csv", "item,rater,value\nq1,w1,cat\nq1,w2,dog\n"),
        project="b",
        create=True,
        label_type="single",
    )
    project = Project.objects.get(name="b")
    project_ban_create(project=project, user=get_user_model().objects.get(username="crowd-w2"), reason="spam")
    # When more of that rater's labels are imported, then the ban refuses them, as membership_add would
    with pytest.raises(CommandError, match="banned"):
        run(write(tmp_path, "b.csv", "item,rater,value\nq2,w2,cat\n"), project="b")
    assert not Item.objects.filter(project=project, external_id="q2").exists()


@pytest.mark.django_db
def test_gold_is_for_evaluation_unless_asked(tmp_path):
    path = write(tmp_path, "a.csv", "item,rater,value\nq1,w1,1\nq1,w2,3\nq2,w1,2\n")
    gold = write(tmp_path, "g.csv", "item,value\nq1,3\nq2,2.0\nq9,1\n")
    summary = json.loads(run_rejecting(path, project="o", create=True, label_type="ordinal", gold=gold, json=True))
    project = Project.objects.get(name="o")
    assert project.categories == [1, 2, 3]
    assert summary["gold_rows"] == 2 and summary["gold_unknown_items"] == ["q9"]
    assert dict(project.items.values_list("external_id", "gold_value")) == {"q1": 3, "q2": 2}
    assert not project.items.filter(is_gold=True).exists()
    run_rejecting(path, project="o2", create=True, label_type="ordinal", gold=gold, gold_is_qc=True, json=True)
    assert Project.objects.get(name="o2").items.filter(is_gold=True).count() == 2


@pytest.mark.django_db
def test_numeric_values_and_bad_numbers(tmp_path):
    path = write(tmp_path, "n.csv", "item,rater,value\nq1,w1,1.5\nq1,w2,2\n")
    run(path, project="n", create=True, label_type="interval")
    assert sorted(Annotation.objects.values_list("value", flat=True)) == [1.5, 2]
    assert Project.objects.get(name="n").aggregation_method == "median"
    with pytest.raises(CommandError, match="outside"):
        run(write(tmp_path, "m.csv", "item,rater,value\nq1,w3,lots\n"), project="n")


@pytest.mark.django_db
def test_import_api_is_staff_only_and_accepts_tsv_columns(api, staff, make_user):
    tsv = "id\tworker\tlabel\tgold\nq1\tw1\tyes\tyes\nq1\tw2\tno\tyes\n"
    upload = io.BytesIO(tsv.encode())
    upload.name = "labels.tsv"
    body = {
        "file": upload,
        "project": "api",
        "create": "true",
        "label_type": "single",
        "columns": "id,worker,label",
        "gold_column": "gold",
    }
    response = api(staff).post("/api/annotation-imports/", body, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["imported"] == 2 and response.json()["gold_rows"] == 1
    assert Item.objects.get(project__name="api", external_id="q1").gold_value == "yes"

    upload = io.BytesIO(b"item,rater,value\nq1,w1,yes\n")
    upload.name = "x.csv"
    denied = api(make_user()).post("/api/annotation-imports/", {"file": upload, "project": "api"}, format="multipart")
    assert denied.status_code == 403
