"""The earnings ledger: pay per accepted annotation, gold bonus per block, append-only in the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from rest_framework.test import APIClient

from labeling.services.assignment import assignment_lease_next
from raters.models import EarningsEntry
from raters.selectors.projects import rater_stats
from raters.services.earnings import earnings_adjust
from tests.clock import submit_after

pytestmark = pytest.mark.django_db


def _label(project, rater, n: int, *, correct: bool = True) -> None:
    for _ in range(n):
        a = assignment_lease_next(project=project, rater=rater)
        value = a.item.gold_value if (a.item.is_gold and correct) else "neutral"
        submit_after(a, rater=rater, value=value, ms=5000)


def test_each_accepted_annotation_is_paid_once(make_project, make_rater):
    project = make_project(regular=5, pay_per_annotation_cents=7)
    rater = make_rater(project)
    _label(project, rater, 3)
    entries = EarningsEntry.objects.filter(user=rater, kind="annotation")
    assert entries.count() == 3 and {e.amount_cents for e in entries} == {7}
    with pytest.raises(IntegrityError), transaction.atomic():
        EarningsEntry.objects.create(
            user=rater, project=project, kind="annotation", amount_cents=7, annotation=entries[0].annotation
        )


def test_gold_bonus_is_settled_per_block_so_it_never_points_at_a_gold_item(make_project, make_rater, rng):
    # Given a project with a bonus of 3 cents per correct gold answer, gold mixed in at 50 %
    project = make_project(regular=40, gold=20, gold_ratio=0.5, gold_bonus_cents=3, gold_bonus_threshold=0.9)
    rater = make_rater(project)

    # When the rater answers 9 tasks there is no bonus yet, whatever the gold answers were
    _label(project, rater, 9)
    assert not EarningsEntry.objects.filter(user=rater, kind="gold_bonus").exists()
    assert rater_stats(user=rater)["projects"][0]["gold_accuracy"] is None

    # Then the 10th closes the block: one bonus entry for every correct gold answer in it
    _label(project, rater, 1)
    golds = rater.annotations.filter(item__is_gold=True).count()
    bonus = EarningsEntry.objects.get(user=rater, kind="gold_bonus")
    assert golds > 0 and bonus.amount_cents == 3 * golds
    assert bonus.annotation == rater.annotations.order_by("-id").first()
    assert rater_stats(user=rater)["projects"][0]["gold_accuracy"] == 1.0


def test_no_bonus_below_the_threshold(make_project, make_rater):
    project = make_project(regular=20, gold=20, gold_ratio=0.5, gold_bonus_cents=3, pause_gold_accuracy_below=None)
    rater = make_rater(project)
    _label(project, rater, 10, correct=False)
    assert not EarningsEntry.objects.filter(user=rater, kind="gold_bonus").exists()


def test_ledger_is_append_only_in_the_database(make_project, make_rater, staff):
    project = make_project(regular=1)
    rater = make_rater(project)
    entry = earnings_adjust(project=project, user=rater, amount_cents=-50, note="Duplicate payout", created_by=staff)
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EarningsEntry.objects.filter(pk=entry.pk).update(amount_cents=0)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EarningsEntry.objects.filter(pk=entry.pk).delete()
    assert EarningsEntry.objects.get(pk=entry.pk).amount_cents == -50


def _adjust(client, project, rater, amount, note="Correction"):
    return client.post(
        f"/api/raters/projects/{project.pk}/earnings/adjust/",
        {"user": rater.pk, "amount_cents": amount, "note": note},
        format="json",
    )


def test_a_positive_adjustment_must_fit_in_what_is_neither_spent_nor_reserved(make_project, make_rater, staff):
    # Given a budget of 100 with one open lease reserving its pay of 10 (no gold bonus on this project)
    project = make_project(regular=5, pay_per_annotation_cents=10, budget_cents=100)
    rater = make_rater(project)
    assert assignment_lease_next(project=project, rater=rater) is not None
    client = APIClient()
    client.force_authenticate(staff)

    # When a careless admin adjusts by more than the 90 left, it is refused with a code and stores nothing
    refused = _adjust(client, project, rater, 91)
    assert refused.status_code == 409
    assert refused.json()["extra"] == {"code": "budget_exceeded", "available_cents": 90}
    assert not EarningsEntry.objects.filter(project=project).exists()

    # Then exactly what is left fits, and after it even one cent more is refused
    assert _adjust(client, project, rater, 90).status_code == 201
    assert _adjust(client, project, rater, 1).json()["extra"]["code"] == "budget_exceeded"
    # A negative adjustment always passes, and frees its amount again
    assert _adjust(client, project, rater, -30, note="Paid twice by mistake").status_code == 201
    assert _adjust(client, project, rater, 30).status_code == 201
    assert EarningsEntry.objects.filter(project=project).count() == 3

    report = client.get(f"/api/raters/projects/{project.pk}/budget/").json()
    assert report["spent_adjustment_cents"] == 90 and report["spent_cents"] == 90
    assert report["reserved_cents"] == report["reserved_leases_cents"] == 10
    assert report["remaining_cents"] == report["budget_cents"] - report["spent_cents"] - report["reserved_cents"] == 0
    assert report["exhausted"] is True


@pytest.mark.parametrize(
    ("amount", "note", "code"),
    [
        (10**12, "Typo with many zeros", "amount_out_of_range"),
        (-(10**12), "Typo with many zeros", "amount_out_of_range"),
        (0, "Nothing", "zero_adjustment"),
        (5, "   ", None),  # blank note: refused by the input serializer
        ("lots", "Not a number", None),
        (5, "x" * 301, None),
    ],
)
def test_bad_adjustments_are_clear_refusals_that_store_nothing(make_project, make_rater, staff, amount, note, code):
    project = make_project(regular=1)  # no budget: only the input rules apply
    rater = make_rater(project)
    client = APIClient()
    client.force_authenticate(staff)
    response = _adjust(client, project, rater, amount, note=note)
    assert response.status_code == 400
    if code is not None:
        assert response.json()["extra"]["code"] == code
    else:
        assert "fields" in response.json()["extra"]
    assert not EarningsEntry.objects.filter(project=project).exists()


def test_without_a_budget_adjustments_are_not_limited(make_project, make_rater, staff):
    project = make_project(regular=1)
    rater = make_rater(project)
    entry = earnings_adjust(project=project, user=rater, amount_cents=1_000_000, note="Annual", created_by=staff)
    assert entry.amount_cents == 1_000_000
