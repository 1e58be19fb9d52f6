"""The adaptive-overlap decision as a pure function: stop rules, method-specific posteriors, the caps."""

from __future__ import annotations

import numpy as np
import pytest

from labeling.aggregation.overlap import (
    BELOW_MIN,
    BELOW_TARGET,
    DAWID_SKENE,
    FIXED,
    MAJORITY,
    MAX_REACHED,
    TARGET_REACHED,
    WEIGHTED,
    OverlapPolicy,
    RaterEvidence,
    RaterModel,
    item_posterior,
    overlap_decide,
)

LABELS = ["no", "yes"]
POLICY = OverlapPolicy(min_raters=2, max_raters=5, target=0.95)


def _model(method=MAJORITY, **options) -> RaterModel:
    return RaterModel(method=method, labels=LABELS, **options)


def test_below_min_asks_for_more_even_when_sure():
    decision = overlap_decide(votes=[(1, "yes")], model=_model(prior_accuracy=0.99), policy=POLICY)
    assert (decision.outcome, decision.reason, decision.raters_used) == ("more", BELOW_MIN, 1)


def test_majority_posterior_is_the_pooled_one_coin_model():
    # Given a pooled accuracy of 0.7: two agreeing votes give 0.49 / (0.49 + 0.09)
    decision = overlap_decide(votes=[(1, "yes"), (2, "yes")], model=_model(prior_accuracy=0.7), policy=POLICY)
    assert decision.posterior["yes"] == pytest.approx(0.49 / 0.58, abs=1e-6)
    assert (decision.outcome, decision.reason, decision.label) == ("more", BELOW_TARGET, "yes")
    # Four agreeing votes pass 0.95
    votes = [(r, "yes") for r in range(4)]
    done = overlap_decide(votes=votes, model=_model(prior_accuracy=0.7), policy=POLICY)
    assert (done.outcome, done.reason) == ("done", TARGET_REACHED)


def test_max_reached_below_target_stops():
    votes = [(1, "yes"), (2, "no"), (3, "yes"), (4, "no"), (5, "yes")]
    decision = overlap_decide(votes=votes, model=_model(prior_accuracy=0.7), policy=POLICY)
    assert (decision.outcome, decision.reason) == ("done", MAX_REACHED)
    assert decision.confidence < 0.95


def test_a_rater_counts_once_on_an_item():
    votes = [(1, "yes")] * 10
    decision = overlap_decide(votes=votes, model=_model(prior_accuracy=0.9), policy=POLICY)
    assert decision.raters_used == 1 and decision.reason == BELOW_MIN


def test_fixed_policy_stops_at_exactly_the_overlap():
    policy = OverlapPolicy.fixed(3)
    votes = [(1, "yes"), (2, "yes")]
    assert overlap_decide(votes=votes, model=_model(), policy=policy).reason == BELOW_MIN
    assert overlap_decide(votes=[*votes, (3, "no")], model=_model(), policy=policy).reason == FIXED


def test_weighted_uses_each_raters_shrunk_accuracy():
    # Given a rater measured at 0.95 on 1,000 labels and one at 0.55 on 1,000 labels, disagreeing
    model = _model(
        WEIGHTED,
        raters={1: RaterEvidence(accuracy=0.95, count=1000), 2: RaterEvidence(accuracy=0.55, count=1000)},
        prior_accuracy=0.7,
    )
    p = item_posterior([(1, "yes"), (2, "no")], model)
    # Then the reliable rater wins
    assert p[1] > 0.9
    # And a rater seen on only 2 labels at "1.0" counts little more than the prior
    few = _model(WEIGHTED, raters={3: RaterEvidence(accuracy=1.0, count=2)}, prior_accuracy=0.7)
    assert item_posterior([(3, "yes")], few)[1] == pytest.approx((2 * 1.0 + 10 * 0.7) / 12, abs=1e-9)


def test_dawid_skene_uses_confusion_and_priors():
    # A rater who says "yes" whatever the truth carries no evidence under Dawid-Skene
    always_yes = np.array([[0.0, 1.0], [0.0, 1.0]])
    model = _model(
        DAWID_SKENE,
        raters={9: RaterEvidence(accuracy=0.5, confusion=always_yes, count=10_000)},
        priors=np.array([0.5, 0.5]),
    )
    p = item_posterior([(9, "yes")], model)
    assert p[1] == pytest.approx(0.5, abs=0.01)
    # Class priors move the posterior of an unknown rater's vote
    skewed = _model(DAWID_SKENE, priors=np.array([0.9, 0.1]), prior_accuracy=0.7)
    assert item_posterior([(1, "yes")], skewed)[1] < 0.5


def test_no_single_vote_exceeds_the_reliability_cap():
    # Given a rater the fit believes perfect, on a million labels
    model = _model(WEIGHTED, raters={1: RaterEvidence(accuracy=1.0, count=10**6)}, max_reliability=0.9)
    assert item_posterior([(1, "yes")], model)[1] == pytest.approx(0.9, abs=1e-6)
    confusion = np.array([[1.0, 0.0], [0.0, 1.0]])
    ds = _model(DAWID_SKENE, raters={1: RaterEvidence(accuracy=1.0, confusion=confusion, count=10**6)})
    assert item_posterior([(1, "yes")], ds)[1] <= 0.99 + 1e-9


def test_a_below_chance_rater_is_no_evidence_not_inverted_evidence():
    model = _model(WEIGHTED, raters={1: RaterEvidence(accuracy=0.1, count=10**6)})
    assert item_posterior([(1, "yes")], model)[1] == pytest.approx(0.5, abs=1e-6)


def test_a_machine_vote_counts_only_measured_reliable_and_beside_a_person():
    policy = OverlapPolicy(min_raters=1, max_raters=5, target=0.95)
    people = {"a": RaterEvidence(accuracy=0.8, count=50)}
    alone = overlap_decide(
        votes=[("a", "yes")], model=_model(WEIGHTED, raters=people, prior_accuracy=0.8), policy=policy
    )
    assert alone.outcome == "more" and alone.confidence == pytest.approx(0.8) and not alone.machine_counted
    cases = {
        "unmeasured": {},
        "unreliable": {-1: RaterEvidence(accuracy=0.6, count=500)},
        "never fitted on a label": {-1: RaterEvidence(accuracy=0.99, count=0)},
    }
    for extra in cases.values():
        model = _model(WEIGHTED, raters={**people, **extra}, prior_accuracy=0.8)
        decided = overlap_decide(votes=[("a", "yes")], model=model, policy=policy, machine_votes=[(-1, "yes")])
        assert decided == alone
    model = _model(WEIGHTED, raters={**people, -1: RaterEvidence(accuracy=0.95, count=500)}, prior_accuracy=0.8)
    counted = overlap_decide(votes=[("a", "yes")], model=model, policy=policy, machine_votes=[(-1, "yes")])
    assert counted.outcome == "done" and counted.machine_counted and counted.raters_used == 1
    # A machine vote never stands alone: with no person's vote there is no posterior and nothing counted
    nobody = overlap_decide(votes=[], model=model, policy=policy, machine_votes=[(-1, "yes")])
    assert nobody.raters_used == 0 and nobody.confidence == 0.0 and not nobody.machine_counted
    # And it never fills the minimum of people
    two = OverlapPolicy(min_raters=2, max_raters=5, target=0.95)
    below = overlap_decide(votes=[("a", "yes")], model=model, policy=two, machine_votes=[(-1, "yes")])
    assert below.reason == BELOW_MIN and below.raters_used == 1 and below.machine_counted
