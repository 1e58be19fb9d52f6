"""config/input_guard.py and the username policy: each input that used to make a 500 is a 400 (or a 409 for a
lost race) with a code and a field, and nothing is stored."""

from __future__ import annotations

import io
import json
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from config.exceptions import ConflictError
from config.input_guard import InputRejected, csv_rows, json_loads
from labeling.models import Item, Project
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create
from raters.models import CampaignInvite, ExamAttempt, PracticeAnswer, RaterApplication
from raters.services.recruitment import campaign_create, campaign_join, rater_sign_up

PASSWORD = "a-long-pass-phrase-42"
DEEP = "[" * 5000 + "]" * 5000


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _refusal(response, code: str, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"message", "extra"} and body["extra"]["code"] == code, body
    return body["extra"]


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("boss", password=PASSWORD, is_staff=True)


@pytest.fixture
def project(db):
    project = project_create(name="guarded", label_type="single", categories=["cat", "dog"], requires_exam=True)
    records = [{"external_id": f"x{i}", "payload": {"text": f"item {i}"}} for i in range(3)]
    records += [
        {"external_id": f"e{i}", "payload": {"text": f"exam {i}"}, "is_gold": True, "gold_value": "cat",
         "is_exam": True}
        for i in range(2)
    ]  # fmt: skip
    records.append(
        {"external_id": "p0", "payload": {"text": "practice"}, "is_gold": True, "gold_value": "cat",
         "is_practice": True, "gold_explanation": "Whiskers."}
    )  # fmt: skip
    items_import(project=project, records=records)
    return project


@pytest.fixture
def rater(project):
    user = get_user_model().objects.create_user("ann", password=PASSWORD)
    membership = membership_add(project=project, user=user)
    membership.is_qualified = False
    membership.save(update_fields=["is_qualified"])
    return user


@pytest.fixture
def campaign(project):
    return campaign_create(title="Guarded campaign", project=project)


# --- the parser and the model-level check -----------------------------------------------------------------


def test_nul_in_practice_and_exam_answers_is_refused(project, rater):
    practice = Item.objects.get(external_id="p0")
    as_json = _api(rater).post(
        f"/api/raters/projects/{project.pk}/practice/", {"item_id": practice.pk, "value": "c\x00at"}, format="json"
    )
    assert _refusal(as_json, "bad_character")["field"] == "body.value"
    as_form = _api(rater).post(
        f"/api/raters/projects/{project.pk}/practice/", {"item_id": practice.pk, "value": "c\x00at"}
    )
    assert _refusal(as_form, "bad_character")["field"] == "value"
    exam = Item.objects.get(external_id="e0")
    answers = {"answers": {str(exam.pk): "cat\x00"}}
    _refusal(_api(rater).post(f"/api/raters/projects/{project.pk}/exam/", answers, format="json"), "bad_character")
    assert not PracticeAnswer.objects.exists() and not ExamAttempt.objects.exists()


@pytest.mark.parametrize("field", ["external_id", "gold_explanation"])
def test_nul_in_item_fields_refuses_a_json_import(project, staff, field):
    record = {"external_id": "n1", "payload": {"text": "t"}, "is_gold": True, "gold_value": "cat", field: "a\x00b"}
    response = _api(staff).post(f"/api/projects/{project.pk}/items/", [{"payload": {"text": "ok"}}, record],
                                format="json")  # fmt: skip
    extra = _refusal(response, "bad_character")
    assert extra["field"] == f"body[1].{field}"
    assert not Item.objects.filter(payload={"text": "ok"}).exists()


def test_nul_in_a_csv_item_file_refuses_the_import(project, staff):
    content = b'external_id,text,is_gold,gold_value,gold_explanation\nc1,ok,,,\nc2,t,true,"""cat""",a\x00b\n'
    upload = SimpleUploadedFile("items.csv", content)
    response = _api(staff).post(f"/api/projects/{project.pk}/items/", {"file": upload}, format="multipart")
    extra = _refusal(response, "bad_character")
    assert extra["field"] == "gold_explanation" and extra["record"] == 1
    assert not Item.objects.filter(external_id__in=["c1", "c2"]).exists()


@pytest.mark.parametrize("path", ["/api/auth/token/", "signup", "items"])
def test_json_5000_levels_deep_is_refused(project, staff, campaign, path):
    url = {"signup": f"/api/raters/campaigns/{campaign.slug}/signup/", "items": f"/api/projects/{project.pk}/items/"}
    client = _api(staff) if path == "items" else APIClient()
    body = '{"username": "deep", "password": "x", "records": ' + DEEP + "}"
    response = client.post(url.get(path, path), body, content_type="application/json")
    extra = _refusal(response, "too_deep")
    assert extra["field"] == "body" and "nested deeper than" in extra["reason"]
    assert not get_user_model().objects.filter(username="deep").exists()
    assert Item.objects.filter(project=project).count() == 6


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.jsonl", b'{"text": "ok"}\n{"text": ' + DEEP.encode() + b"}\n"),
        ("deep.json", b'[{"data": {"text": ' + DEEP.encode() + b"}}]"),
        ("deep50.json", b'[{"data": {"text": ' + b"[" * 50 + b"]" * 50 + b"}}]"),
    ],
)
def test_deep_jsonl_and_label_studio_files_are_refused(project, staff, name, content):
    upload = SimpleUploadedFile(name, content)
    response = _api(staff).post(f"/api/projects/{project.pk}/items/", {"file": upload}, format="multipart")
    _refusal(response, "too_deep")
    assert Item.objects.filter(project=project).count() == 6


@pytest.mark.parametrize(
    ("content", "code", "reason"),
    [
        (b"item,rater,value\nq1,w1,cat\nq2,w1,\xff\xfedog\n", "bad_encoding", "not UTF-8 at byte 33 (line 3)"),
        (b"item,rater,value\nq1,w1,cat\nq2,w1,dog,extra\n", "ragged_csv", "row 3 has 4 fields, expected 3"),
        (b"item,rater,value\nq1,w1,c\x00at\n", "bad_character", None),
    ],
)
def test_bad_annotation_csv_is_refused_naming_the_row_or_byte(staff, content, code, reason):
    upload = SimpleUploadedFile("labels.csv", content)
    body = {"file": upload, "project": "crowd", "create": True, "label_type": "single"}
    extra = _refusal(_api(staff).post("/api/annotation-imports/", body, format="multipart"), code)
    if reason:
        assert extra["reason"] == reason and extra["field"] == "file"
    assert not Project.objects.filter(name="crowd").exists()


def test_csv_reader_and_json_loader_name_the_place():
    with pytest.raises(InputRejected) as ragged:
        list(csv_rows(io.BytesIO(b"a,b\n1,2\n3\n")))
    assert ragged.value.extra["reason"] == "row 3 has 1 fields, expected 2"
    with pytest.raises(InputRejected) as bad:
        json_loads(b'{"a": "\xc3"}')
    assert bad.value.extra["byte"] == 7


def test_import_annotations_cli_prints_the_reason_and_fails(db, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(b"item,rater,value\nq1,w1,cat\nq2,w1\n")
    with pytest.raises(CommandError, match="row 3 has 2 fields, expected 3"):
        call_command("import_annotations", str(path), "--project", "cli", "--create", "--label-type", "single")
    assert not Project.objects.filter(name="cli").exists()


def test_non_integer_id_on_the_web_label_form_is_a_400(project, rater):
    client = Client()
    client.force_login(rater)
    response = client.post(f"/projects/{project.pk}/label/", {"assignment_id": "abc", "value": "0"})
    assert response.status_code == 400 and b"assignment_id is not an integer" in response.content
    query = client.get(f"/api/projects/{project.pk}/items/?is_gold=\x00")
    assert _refusal(query, "bad_character")["field"] == "is_gold"


@pytest.mark.parametrize("body", ["[1, 2]", '"note"', "42", "null"])
def test_a_body_that_is_not_an_object_is_refused_on_pause_and_reinstate(project, rater, staff, body):
    for action in ("pause", "reinstate"):
        response = _api(staff).post(
            f"/api/raters/projects/{project.pk}/raters/{rater.pk}/{action}/", body, content_type="application/json"
        )
        assert _refusal(response, "bad_body")["field"] == "body"
    assert rater.memberships.get(project=project).status == "active"


def test_integer_out_of_column_range_is_refused(campaign, staff):
    response = _api(staff).post(
        f"/api/raters/campaigns/{campaign.slug}/invites/", {"max_uses": 2925487717709}, format="json"
    )
    extra = _refusal(response, "out_of_range")
    assert extra["field"] == "max_uses" and extra["reason"] == "out of range 0..2147483647"
    past_bigint = _api(staff).post(f"/api/raters/campaigns/{campaign.slug}/invites/", {"max_uses": 2**70},
                                   format="json")  # fmt: skip
    assert _refusal(past_bigint, "invalid")["fields"]["max_uses"]
    assert not CampaignInvite.objects.exists()


def test_sign_up_with_an_unknown_attribute_is_refused(campaign):
    body = {"username": "attr", "password": PASSWORD, "consent": True, "attributes": {"user": "x", "language": "fr"}}
    response = APIClient().post(f"/api/raters/campaigns/{campaign.slug}/signup/", body, format="json")
    extra = _refusal(response, "unknown_attribute")
    assert extra["field"] == "attributes" and extra["fields"] == ["user"]
    assert not get_user_model().objects.filter(username="attr").exists()


# --- usernames --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["<img src=x onerror=alert(1)>", "\u0430dmin", "admin\u200b", "ad\u202emin", "../../etc", "a b", "-admin", "x"],
)
def test_unsafe_usernames_are_refused_on_every_path(campaign, username):
    api = APIClient().post(
        f"/api/raters/campaigns/{campaign.slug}/signup/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert _refusal(api, "bad_username")["field"] == "username"
    web = Client().post(
        f"/join/{campaign.slug}/",
        {"username": username, "password": PASSWORD, "password_again": PASSWORD, "rater_type": "generalist"},
    )
    assert web.status_code == 400
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", "--username", username, "--email", "a@example.org")
    assert not get_user_model().objects.exists()


def test_full_width_username_is_stored_in_nfkc(campaign):
    user = rater_sign_up(campaign=campaign, username="ｃａｓｅｙ", password=PASSWORD)
    assert user.username == "casey"
    call_command("createsuperuser", "--noinput", "--username", "root.admin-2", "--email", "a@example.org")
    assert get_user_model().objects.filter(username="root.admin-2", is_superuser=True).exists()


def _race(count: int, work) -> list:
    """Run `work(i)` in threads released together; returns each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_casey_race_creates_one_account_and_the_others_get_409():
    campaign = campaign_create(title="Race")
    names = ["Casey", "casey", "CASEY", "cAsey"]
    results = _race(4, lambda i: rater_sign_up(campaign=campaign, username=names[i], password=PASSWORD))
    users = [r for r in results if isinstance(r, get_user_model())]
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(users) == 1 and len(conflicts) == 3, results
    assert all(c.extra["code"] == "username_taken" and c.status_code == 409 for c in conflicts)
    assert get_user_model().objects.filter(username__iexact="casey").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_sign_ups_with_one_username_are_one_201_and_409s(live_server):
    import urllib.error
    import urllib.request

    campaign = campaign_create(title="Api race")

    def sign_up(i: int) -> int:
        request = urllib.request.Request(
            f"{live_server.url}/api/raters/campaigns/{campaign.slug}/signup/",
            data=json.dumps({"username": "same-name", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    statuses = sorted(_race(4, sign_up))
    assert statuses == [201, 409, 409, 409]
    assert get_user_model().objects.filter(username="same-name").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_join_is_one_application_and_a_409():
    project = project_create(name="double", label_type="single", categories=["a", "b"])
    items_import(project=project, records=[{"payload": {"text": "t"}}])
    first, second = campaign_create(title="First", project=project), campaign_create(title="Second", project=project)
    user = get_user_model().objects.create_user("joiner", password=PASSWORD)
    results = _race(4, lambda i: campaign_join(campaign=(first, second)[i % 2], user=user))
    assert all(isinstance(r, RaterApplication | ConflictError) for r in results), results
    assert all(r.status_code == 409 for r in results if isinstance(r, ConflictError))
    assert RaterApplication.objects.filter(user=user).count() == 2
    assert assignment_lease_next(project=project, rater=user) is not None


def test_import_items_cli_refuses_a_deep_jsonl_line_and_exits_non_zero(project, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": ' + DEEP.encode() + b"}\n")
    with pytest.raises(CommandError, match="line 2 is nested deeper than"):
        call_command("import_items", str(path), "--project", project.name, verbosity=0)


@pytest.mark.parametrize("rater_id", ["\u0430dmin", "w@1", "<b>x</b>", "ad\u202emin", "A1B2C3"])
def test_imported_rater_usernames_follow_the_policy(rater_id):
    from config.accounts.usernames import username_problem
    from labeling.services.annotation_import import rater_username

    name = rater_username(rater_id)
    assert username_problem(name) is None and name == rater_username(rater_id)
    assert (name == f"crowd-{rater_id}") == (rater_id == "A1B2C3")
