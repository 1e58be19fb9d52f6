"""`manage.py overlap_replay` on the Snow et al. (2008) TEMP labels: the live decision, replayed honestly."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from labeling.aggregation.overlap import OverlapPolicy
from labeling.aggregation.overlap_replay import replay

SNOW = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "snow2008" / "temp.standardized.tsv"


@pytest.fixture(scope="module")
def temp_files(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    df = pd.read_csv(SNOW, sep="\t", dtype=str)
    folder = tmp_path_factory.mktemp("replay")
    labels = pd.DataFrame({"item": df["orig_id"], "rater": df["!amt_worker_ids"], "value": df["response"]})
    labels.to_csv(folder / "labels.csv", index=False)
    df.drop_duplicates("orig_id")[["orig_id", "gold"]].rename(columns={"orig_id": "item", "gold": "value"}).to_csv(
        folder / "gold.csv", index=False
    )
    return folder / "labels.csv", folder / "gold.csv", labels


def _run(*args) -> dict:
    out = StringIO()
    call_command("overlap_replay", *[str(a) for a in args], "--json", verbosity=0, stdout=out)
    return json.loads(out.getvalue())


def test_fixed_and_adaptive_replays_report_labels_items_and_accuracy(temp_files):
    labels, gold, frame = temp_files
    fixed = _run(labels, "--gold", gold, "--policy", "fixed", "--overlap", 5, "--method", "majority")
    assert fixed["labels_used"] == 5 * fixed["items"] == 5 * 462
    assert set(fixed["raters_used"].values()) == {5}
    adaptive = _run(labels, "--gold", gold, "--policy", "adaptive", "--min", 2, "--max", 10, "--target", 0.95)
    assert adaptive["items_finished"] == adaptive["items"] == 462
    assert adaptive["labels_used"] == sum(adaptive["raters_used"].values())
    assert 2 * 462 <= adaptive["labels_used"] < fixed["labels_used"]
    assert all(2 <= n <= 10 for n in adaptive["raters_used"].values())
    assert 0.9 < adaptive["accuracy"] <= 1 and adaptive["scored_items"] == 462


def test_the_policy_never_sees_labels_it_did_not_ask_for(temp_files):
    # Given the replay's result, and a copy of the file where every label the policy did not reveal is flipped
    _, _, frame = temp_files
    policy = OverlapPolicy(min_raters=2, max_raters=10, target=0.95)
    first = replay(frame, method="dawid_skene", policy=policy)
    position = frame.groupby("item").cumcount()
    hidden = position.to_numpy() >= frame["item"].map(first.raters_used).to_numpy()
    flipped = frame.copy()
    flipped.loc[hidden, "value"] = flipped.loc[hidden, "value"].map({"1": "2", "2": "1"})
    # When it is replayed again
    second = replay(flipped, method="dawid_skene", policy=policy, labels=["1", "2"])
    # Then every decision is the same
    assert second.raters_used == first.raters_used
    assert second.final_label == first.final_label


def test_online_refits_are_deterministic_by_seed(temp_files):
    _, _, frame = temp_files
    policy = OverlapPolicy(min_raters=2, max_raters=10, target=0.95)
    a = replay(frame, method="dawid_skene", policy=policy, refit_every=200, seed=7)
    b = replay(frame, method="dawid_skene", policy=policy, refit_every=200, seed=7)
    assert a.raters_used == b.raters_used and a.refits == b.refits > 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--min", "0"], "--min"),
        (["--min", "4", "--max", "3"], "--max"),
        (["--target", "1"], "--target"),
        (["--policy", "fixed", "--overlap", "0"], "--overlap"),
    ],
)
def test_bad_options_are_a_message_not_a_traceback(temp_files, extra, message):
    labels, gold, _ = temp_files
    with pytest.raises(CommandError, match=message):
        call_command("overlap_replay", str(labels), "--gold", str(gold), *extra, verbosity=0)


def test_bad_files_are_a_message(tmp_path, temp_files):
    _, gold, _ = temp_files
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="lacks required columns"):
        call_command("overlap_replay", str(wrong), "--gold", str(gold), verbosity=0)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("overlap_replay", str(tmp_path / "missing.csv"), "--gold", str(gold), verbosity=0)


@pytest.mark.django_db
def test_the_project_settings_are_the_defaults_of_a_replay(temp_files, make_project):
    labels, gold, _ = temp_files
    make_project(
        name="temporal",
        categories=["1", "2"],
        overlap_policy="adaptive",
        overlap_min=3,
        overlap_max=4,
        overlap_target=0.9,
        aggregation_method="weighted",
    )
    report = _run(labels, "--gold", gold, "--project", "temporal")
    assert (report["policy"], report["min"], report["max"], report["target"]) == ("adaptive", 3, 4, 0.9)
    assert report["method"] == "weighted"
    assert all(3 <= n <= 4 for n in report["raters_used"].values())
    # A flag given on the command line wins over the project's setting
    assert _run(labels, "--gold", gold, "--project", "temporal", "--max", 6)["max"] == 6
    with pytest.raises(CommandError, match="No project"):
        call_command("overlap_replay", str(labels), "--gold", str(gold), "--project", "nope", verbosity=0)


def test_a_replay_with_a_models_predictions_counts_it_only_when_it_measures_reliable(temp_files, tmp_path):
    # Given the TEMP labels, a model that predicts the gold label and one that answers at random
    labels, gold, frame = temp_files
    good = tmp_path / "good.csv"
    pd.read_csv(gold, dtype=str).to_csv(good, index=False)
    noise = tmp_path / "noise.csv"
    truth = pd.read_csv(gold, dtype=str)
    truth["value"] = [("1", "2")[i % 2] for i in range(len(truth))]
    truth.to_csv(noise, index=False)
    base = [labels, "--gold", gold, "--min", 1, "--max", 10, "--target", 0.95]
    people = _run(*base)
    # When each is replayed as a model rater
    with_good = _run(*base, "--predictions", good)
    with_noise = _run(*base, "--predictions", noise)
    # Then the reliable model's votes count and save labels; the random model's never count
    assert with_good["machine_counted"] > 0 and with_good["labels_used"] < people["labels_used"]
    assert with_good["accuracy"] >= people["accuracy"]
    assert people["machine_counted"] == 0 and with_noise["machine_counted"] == 0
