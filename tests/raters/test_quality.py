"""Continuous quality control: gold scoring, the pause rules, leases released, reinstatement."""

from __future__ import annotations

import pytest

from config.exceptions import ForbiddenError
from labeling.models import Assignment, AssignmentStatus, Item, MembershipStatus, ProjectMembership
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from raters.models import GoldCheck, RaterStatusEvent
from raters.services.quality import rater_pause, rater_reinstate
from tests.clock import submit_after
from tests.raters.conftest import CATEGORIES

pytestmark = pytest.mark.django_db


def _answer(assignment, *, honest: bool, rng, accuracy: float = 0.95) -> tuple[str, int]:
    """An honest rater mostly knows the truth and takes 3-25 s (one answer in 20 a quick 1.5 s).

    A spammer guesses at random in 1 s."""
    item = assignment.item
    truth = item.gold_value if item.is_gold else CATEGORIES[int(item.external_id[1:]) % 3]
    if not honest:
        return rng.choice(CATEGORIES), 1000
    value = truth if rng.random() < accuracy else rng.choice([c for c in CATEGORIES if c != truth])
    seconds = 1.5 if rng.random() < 0.05 else rng.uniform(3, 25)
    return value, int(seconds * 1000)


def _simulate(project, raters: dict, rng, *, honest_gold_target: int = 15, max_rounds: int = 400) -> dict:
    """Round-robin labeling through the real lease/submit services until the spammer is paused and every
    honest rater has answered `honest_gold_target` gold items. Records how much gold the spammer saw."""
    seen_gold = dict.fromkeys(raters, 0)
    spammer_gold_when_paused = None
    for _ in range(max_rounds):
        active = 0
        for name, (user, honest) in raters.items():
            if not honest and spammer_gold_when_paused is not None:
                continue
            if honest and seen_gold[name] >= honest_gold_target:
                continue
            try:
                assignment = assignment_lease_next(project=project, rater=user)
            except ForbiddenError as exc:
                assert exc.extra["code"] == "paused", exc.extra
                if not honest:
                    spammer_gold_when_paused = seen_gold[name]
                continue
            if assignment is None:
                continue
            active += 1
            value, ms = _answer(assignment, honest=honest, rng=rng)
            submit_after(assignment, rater=user, value=value, ms=ms, source="api")
            seen_gold[name] += int(assignment.item.is_gold)
            membership = ProjectMembership.objects.get(project=project, user=user)
            if not honest and membership.status == MembershipStatus.PAUSED:
                spammer_gold_when_paused = seen_gold[name]
        if not active:
            break
    return {"seen_gold": seen_gold, "spammer_gold_when_paused": spammer_gold_when_paused}


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param({}, id="default-rules"),
        # Without the speed rule the gold-accuracy rule alone must catch the spammer.
        pytest.param({"pause_fast_share_above": None}, id="gold-rule-only"),
    ],
)
def test_spammer_is_paused_within_15_gold_items_and_no_honest_rater_is(make_project, make_rater, rng, rules):
    # Given a project with the example rules and gold mixed in at 40 %
    project = make_project(regular=200, gold=40, overlap=3, gold_ratio=0.4, **rules)
    raters = {f"honest{i}": (make_rater(project), True) for i in range(4)}
    raters["spammer"] = (make_rater(project), False)

    # When everyone labels
    result = _simulate(project, raters, rng)

    # Then the spammer is paused having seen at most 15 gold items, and no honest rater is paused
    spammer = raters["spammer"][0]
    membership = ProjectMembership.objects.get(project=project, user=spammer)
    assert membership.status == MembershipStatus.PAUSED
    assert result["spammer_gold_when_paused"] is not None and result["spammer_gold_when_paused"] <= 15
    assert membership.pause_reason.startswith("Paused automatically")
    for name, (user, honest) in raters.items():
        if honest:
            m = ProjectMembership.objects.get(project=project, user=user)
            assert m.status == MembershipStatus.ACTIVE, (name, m.pause_reason)
            assert result["seen_gold"][name] >= 15, name
    if rules.get("pause_fast_share_above", 0) is None:
        assert "gold accuracy" in membership.pause_reason
        assert GoldCheck.objects.filter(project=project, rater=spammer).count() >= 10
    print(
        f"\n[{rules or 'default'}] spammer paused after {result['spammer_gold_when_paused']} gold items; "
        f"honest gold answered: {sorted(v for k, v in result['seen_gold'].items() if k != 'spammer')}; "
        f"reason: {membership.pause_reason}"
    )


def test_gold_answers_are_scored(make_project, make_rater):
    project = make_project(regular=1, gold=3, gold_ratio=1.0)  # gold is served while regular work remains
    rater = make_rater(project)
    results = []
    for _ in range(3):
        assignment = assignment_lease_next(project=project, rater=rater)
        wrong = next(c for c in CATEGORIES if c != assignment.item.gold_value)
        value = assignment.item.gold_value if len(results) < 2 else wrong
        annotation = submit_after(assignment, rater=rater, value=value, ms=5000)
        results.append(annotation.gold_check.is_correct)
    assert results == [True, True, False]


def test_pause_releases_open_leases_and_blocks_new_tasks(make_project, make_rater, staff):
    project = make_project(regular=5)
    rater = make_rater(project)
    assignment = assignment_lease_next(project=project, rater=rater)
    slots_before = Item.objects.get(pk=assignment.item_id).slots_open

    assert rater_pause(project=project, user=rater, reason="Testing.", actor=staff) is True

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.EXPIRED
    assert Item.objects.get(pk=assignment.item_id).slots_open == slots_before + 1
    with pytest.raises(ForbiddenError) as exc:
        assignment_lease_next(project=project, rater=rater)
    assert exc.value.extra["code"] == "paused"
    assert "Testing." in exc.value.message
    assert not Assignment.objects.filter(rater=rater, status=AssignmentStatus.LEASED).exists()


def test_reinstated_rater_gets_tasks_and_a_fresh_rule_window(make_project, make_rater, staff):
    # Given a rater paused by the speed rule
    project = make_project(regular=30, pause_min_answers=3, pause_fast_share_above=0.5, pause_gold_accuracy_below=None)
    rater = make_rater(project)
    for _ in range(3):
        a = assignment_lease_next(project=project, rater=rater)
        submit_after(a, rater=rater, value="positive", ms=500)
    membership = ProjectMembership.objects.get(project=project, user=rater)
    assert membership.status == MembershipStatus.PAUSED
    assert "under 2 s" in membership.pause_reason

    # When staff reinstate
    rater_reinstate(project=project, user=rater, actor=staff, note="Talked to them.")

    # Then they get tasks again and one slow answer does not re-pause them on the old fast answers
    a = assignment_lease_next(project=project, rater=rater)
    submit_after(a, rater=rater, value="positive", ms=9000)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert list(RaterStatusEvent.objects.filter(user=rater).values_list("action", flat=True).order_by("id")) == [
        "paused",
        "reinstated",
    ]


def test_gold_and_regular_submits_run_the_same_statements(make_project, make_rater):
    """Scoring a gold answer must not cost a statement a regular answer skips (submit timing stays blind)."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project = make_project(regular=2, gold=2, gold_ratio=1.0, pause_fast_share_above=None)
    rater = make_rater(project)
    statements = {}
    while (assignment := assignment_lease_next(project=project, rater=rater)) is not None:
        with CaptureQueriesContext(connection) as ctx:
            annotation_submit(assignment_id=assignment.pk, rater=rater, value="positive")
        normalised = [re.sub(r"\d+", "N", " ".join(q["sql"].split()))[:60] for q in ctx.captured_queries]
        statements.setdefault(assignment.item.is_gold, normalised)
    assert set(statements) == {True, False}
    assert statements[True] == statements[False]
    assert GoldCheck.objects.filter(rater=rater).count() == 2  # written for the gold answers only
