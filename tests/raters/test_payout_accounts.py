"""A rater sets their own Prolific or MTurk id, and cannot use it to move anyone's money, their own included.

The attacks tried: claiming another rater's id (409, without saying whose), setting another rater's id
(there is no way to name them: 403 on the staff endpoint, 404 on a project not theirs), changing one's id
after a payout to it was exported (409, and an export `again` gives the same file), and two raters
claiming one id at the same moment.
"""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from raters.models import PayoutAccount, PayoutAccountChange
from raters.services.pay import pay_period_close
from raters.services.payouts import payout_export
from tests.raters.pay_helpers import period_until_now, work

PROLIFIC = ["5f1a2b3c4d5e6f7a8b9c0d1e", "60aa2b3c4d5e6f7a8b9c0d99"]
WORKER, ASSIGNMENT = "A1B2C3D4E5F6G7", "3ABCDEFGHIJKLMNOPQRSTUVWXYZ012"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _set(user, project, **body):
    return _client(user).put(f"/api/raters/me/projects/{project.pk}/payout-account/", body, format="json")


@pytest.fixture
def two_raters(make_project, make_rater):
    project = make_project(regular=20, pay_per_annotation_cents=7)
    return project, make_rater(project), make_rater(project)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("platform", "participant_id", "assignment_id"),
    [
        ("prolific", PROLIFIC[0], ""),
        ("prolific", "  " + PROLIFIC[1] + " ", ""),  # pasted with spaces
        ("mturk", WORKER, ASSIGNMENT),
        ("mturk", "A2XYZ0123456", "3" * 30),
    ],
)
def test_valid_ids_are_accepted(two_raters, platform, participant_id, assignment_id):
    project, rater, _ = two_raters
    response = _set(rater, project, platform=platform, participant_id=participant_id, assignment_id=assignment_id)
    assert response.status_code == 200, response.json()
    assert response.json()["participant_id"] == participant_id.strip() and response.json()["locked"] is False
    assert PayoutAccount.objects.get(project=project, user=rater).participant_id == participant_id.strip()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("platform", "participant_id", "assignment_id", "field"),
    [
        ("prolific", PROLIFIC[0][:23], "", "participant_id"),  # 23 characters
        ("prolific", PROLIFIC[0] + "0", "", "participant_id"),  # 25
        ("prolific", PROLIFIC[0].upper(), "", "participant_id"),  # hex, but upper case
        ("prolific", "5f1a2b3c4d5e6f7a8b9c0d1g", "", "participant_id"),  # not hex
        ("mturk", WORKER.lower(), ASSIGNMENT, "participant_id"),
        ("mturk", "B1B2C3D4E5F6G7", ASSIGNMENT, "participant_id"),  # must start with A
        ("mturk", "A1B2", ASSIGNMENT, "participant_id"),  # too short
        ("mturk", "A1B2-C3D4E5F6", ASSIGNMENT, "participant_id"),
        ("mturk", WORKER, "", "assignment_id"),  # a bonus needs the assignment it refers to
        ("mturk", WORKER, "short", "assignment_id"),
    ],
)
def test_invalid_ids_are_refused_in_the_error_shape(two_raters, platform, participant_id, assignment_id, field):
    project, rater, _ = two_raters
    response = _set(rater, project, platform=platform, participant_id=participant_id, assignment_id=assignment_id)
    assert response.status_code == 400
    assert response.json()["extra"] == {"code": "invalid_platform_id", "field": field, "platform": platform}
    assert not PayoutAccount.objects.filter(user=rater).exists()


@pytest.mark.django_db
def test_bad_input_is_a_400_never_a_500(two_raters):
    project, rater, _ = two_raters
    for body in (
        {"platform": "paypal", "participant_id": PROLIFIC[0]},
        {"platform": "prolific"},
        {"platform": "prolific", "participant_id": "x" * 500},
        {"platform": ["prolific"], "participant_id": {"a": 1}},
    ):
        response = _set(rater, project, **body)
        assert response.status_code == 400 and "message" in response.json(), body


@pytest.mark.django_db
def test_an_id_claimed_by_another_rater_is_409_without_saying_whose(two_raters, make_project, make_rater):
    # Given rater A holds a Prolific id
    project, a, b = two_raters
    assert _set(a, project, platform="prolific", participant_id=PROLIFIC[0]).status_code == 200
    # When rater B claims it, on this project or on another one
    other = make_project(regular=2)
    make_rater_b = make_rater(other, name="b-elsewhere")
    for user, where in ((b, project), (make_rater_b, other)):
        response = _set(user, where, platform="prolific", participant_id=PROLIFIC[0])
        # Then it is refused in the one error shape, naming nobody
        assert response.status_code == 409
        assert response.json()["extra"] == {"code": "platform_id_taken"}
        text = response.content.decode()
        assert a.username not in text and str(a.pk) not in text.replace(PROLIFIC[0], "")
    # And A's account is untouched, B has none, and only A's claim is on record
    assert list(PayoutAccount.objects.values_list("user_id", "participant_id")) == [(a.pk, PROLIFIC[0])]
    assert list(PayoutAccountChange.objects.values_list("user_id", flat=True)) == [a.pk]


@pytest.mark.django_db
def test_a_rater_cannot_set_another_raters_ids(two_raters, make_project):
    project, a, b = two_raters
    assert _set(b, project, platform="prolific", participant_id=PROLIFIC[1]).status_code == 200
    client = _client(a)
    # The staff endpoint, which names a user, refuses a rater
    staff_put = client.put(
        f"/api/raters/projects/{project.pk}/pay/accounts/",
        {"user": b.pk, "platform": "prolific", "participant_id": PROLIFIC[0]},
        format="json",
    )
    assert staff_put.status_code == 403 and staff_put.json()["extra"]["code"] == "not_manager"
    # A user field sent to the rater's own endpoint is ignored: it sets A's own account only
    own = client.put(
        f"/api/raters/me/projects/{project.pk}/payout-account/",
        {"user": b.pk, "platform": "prolific", "participant_id": PROLIFIC[0]},
        format="json",
    )
    assert own.status_code == 200
    assert PayoutAccount.objects.get(user=a).participant_id == PROLIFIC[0]
    assert PayoutAccount.objects.get(user=b).participant_id == PROLIFIC[1]
    # A project A never worked on is 404, as is one that does not exist
    stranger = make_project(regular=1)
    for project_id in (stranger.pk, 999_999):
        response = client.put(
            f"/api/raters/me/projects/{project_id}/payout-account/",
            {"platform": "prolific", "participant_id": "6123456789abcdef01234567"},
            format="json",
        )
        assert response.status_code == 404 and response.json()["extra"]["code"] == "project_not_found"
    # And A never sees B's account
    listing = client.get("/api/raters/me/payout-accounts/").json()
    assert [row["participant_id"] for row in listing] == [PROLIFIC[0]]
    assert _client(b).get("/api/raters/me/payout-accounts/").status_code == 200
    assert APIClient().get("/api/raters/me/payout-accounts/").status_code in (401, 403)


@pytest.mark.django_db
def test_changes_are_kept_and_the_export_pays_the_rater_entered_id(two_raters, staff):
    # Given a rater who worked, entered an id with a typo, then corrected it before any export
    project, rater, _ = two_raters
    work(project, rater, seconds=30)
    assert _set(rater, project, platform="prolific", participant_id=PROLIFIC[1]).status_code == 200
    assert _set(rater, project, platform="prolific", participant_id=PROLIFIC[0]).status_code == 200
    assert _set(rater, project, platform="prolific", participant_id=PROLIFIC[0]).status_code == 200  # no change
    # Then the history has both changes, newest first, made by the rater
    mine = _client(rater).get(f"/api/raters/me/projects/{project.pk}/payout-account/").json()
    assert [(h["old"]["participant_id"], h["new"]["participant_id"]) for h in mine["history"]] == [
        (PROLIFIC[1], PROLIFIC[0]),
        (None, PROLIFIC[1]),
    ]
    assert set(PayoutAccountChange.objects.values_list("changed_by_id", "source")) == {(rater.pk, "rater")}
    # And the history cannot be rewritten
    change = PayoutAccountChange.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PayoutAccountChange.objects.filter(pk=change.pk).update(new_participant_id=PROLIFIC[1])
    # When staff close and export, the file pays the id the rater entered
    period = period_until_now(project)
    pay_period_close(period_id=period.pk, actor=staff)
    file = payout_export(period_id=period.pk, file_format="prolific", actor=staff)
    assert file.content == f"{PROLIFIC[0]},0.07\n"


@pytest.mark.django_db
def test_after_an_export_the_id_is_frozen_so_money_cannot_be_moved(two_raters, staff):
    # Given a rater paid through an exported period
    project, rater, _ = two_raters
    work(project, rater, seconds=30)
    assert _set(rater, project, platform="mturk", participant_id=WORKER, assignment_id=ASSIGNMENT).status_code == 200
    period = period_until_now(project)
    pay_period_close(period_id=period.pk, actor=staff)
    first = payout_export(period_id=period.pk, file_format="mturk", actor=staff).content
    # When the rater tries to point the account at another id (or platform), or staff do it for them
    attempts = [
        {"platform": "mturk", "participant_id": "A9Z8Y7X6W5V4U3", "assignment_id": ASSIGNMENT},
        {"platform": "mturk", "participant_id": WORKER, "assignment_id": "3" * 30},
        {"platform": "prolific", "participant_id": PROLIFIC[0]},
    ]
    for body in attempts:
        response = _set(rater, project, **body)
        # Then it is refused and nothing changes
        assert response.status_code == 409 and response.json()["extra"] == {"code": "payout_account_locked"}
    staff_put = _client(staff).put(
        f"/api/raters/projects/{project.pk}/pay/accounts/",
        {"user": rater.pk, "platform": "mturk", "participant_id": "A9Z8Y7X6W5V4U3", "assignment_id": ASSIGNMENT},
        format="json",
    )
    assert staff_put.status_code == 409 and staff_put.json()["extra"]["code"] == "payout_account_locked"
    account = PayoutAccount.objects.get(user=rater)
    assert (account.participant_id, account.assignment_id) == (WORKER, ASSIGNMENT)
    assert PayoutAccountChange.objects.filter(user=rater).count() == 1
    # And the same id again is fine (nothing to change), and reads back as locked
    same = _set(rater, project, platform="mturk", participant_id=WORKER, assignment_id=ASSIGNMENT)
    assert same.status_code == 200 and same.json()["locked"] is True
    # And the export asked again gives the same file
    assert payout_export(period_id=period.pk, file_format="mturk", actor=staff, again=True).content == first
    assert WORKER in first


@pytest.mark.django_db(transaction=True)
def test_two_raters_claiming_one_id_at_once_one_wins(two_raters, make_project, make_rater):
    # Given two raters on different projects (the per-project unique key would not stop them)
    project, a, _ = two_raters
    other = make_project(regular=2)
    b = make_rater(other)
    codes: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def claim(user, where) -> None:
        try:
            start.wait()
            codes.append(_set(user, where, platform="prolific", participant_id=PROLIFIC[0]).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=args) for args in ((a, project), (b, other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Then exactly one holds it
    assert not errors, errors
    assert sorted(codes) == [200, 409]
    assert PayoutAccount.objects.filter(participant_id=PROLIFIC[0]).count() == 1


@pytest.mark.django_db
def test_the_rater_page_sets_my_id_and_only_mine(two_raters, make_project):
    # Given two raters of a project, B holding a Prolific id, and a project A is not on
    project, a, b = two_raters
    assert _set(b, project, platform="prolific", participant_id=PROLIFIC[1]).status_code == 200
    stranger = make_project(regular=1, name="not-yours")
    browser = Client()
    browser.force_login(a)
    page = browser.get("/me/payout-accounts/")
    assert page.status_code == 200 and project.name in page.content.decode()
    assert "not-yours" not in page.content.decode() and PROLIFIC[1] not in page.content.decode()
    # When A saves their own id, it is theirs
    saved = browser.post(
        "/me/payout-accounts/", {"project": project.pk, "platform": "prolific", "participant": PROLIFIC[0]}
    )
    assert saved.status_code == 302, saved.content
    assert PayoutAccount.objects.get(user=a, project=project).participant_id == PROLIFIC[0]
    assert PROLIFIC[0] in browser.get("/me/payout-accounts/").content.decode()
    # B's id, a bad format, or a project A is not on are refused on the page, and nothing changes
    for body, says in (
        ({"project": project.pk, "platform": "prolific", "participant": PROLIFIC[1]}, "already another rater"),
        ({"project": project.pk, "platform": "mturk", "participant": "a123", "assignment": ""}, "not a valid"),
        (
            {"project": stranger.pk, "platform": "prolific", "participant": "6123456789abcdef01234567"},
            "valid choice",
        ),
    ):
        refused = browser.post("/me/payout-accounts/", body)
        assert refused.status_code == 400 and says in refused.content.decode(), body
    assert list(PayoutAccount.objects.order_by("user_id").values_list("user_id", "participant_id")) == [
        (a.pk, PROLIFIC[0]),
        (b.pk, PROLIFIC[1]),
    ]
