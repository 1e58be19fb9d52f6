"""Data validation in the datasets app: reference and schema versions, checks, anomalies, API and CLI."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from io import StringIO

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from config.outbox.models import OutboxEvent
from datasets.models import Anomaly, ValidationReference, ValidationSchema
from datasets.selectors.versions import dataset_get, version_get
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from datasets.services.validation_check import validation_check
from datasets.services.validation_reference import validation_reference_build
from datasets.services.validation_schema import validation_schema_edit
from datasets.signals import anomaly_raised
from feedback.services.join import RequestRow
from feedback.services.serving_statistics import serving_statistics_record, window_floor
from tests.datasets.conftest import add_direct_labels

COUNTRIES = ["de", "fr", "us"]


def features(rng: random.Random) -> dict:
    return {"price": rng.gauss(10, 2), "country": rng.choice(COUNTRIES), "clicks": rng.randint(0, 9)}


@pytest.fixture
def reference_schema(db):
    rng = random.Random(1)
    rows = [{"request_id": f"t{i}", "label": i % 4 == 0, "features": features(rng)} for i in range(1500)]
    add_direct_labels("shop", rows)
    dataset = dataset_create(name="shop-train", direct_model="shop")
    version = dataset_build(dataset=dataset)
    return validation_reference_build(version=version)


def serve(start, n: int, seed: int, change=None) -> None:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        snapshot = features(rng)
        if change:
            change(snapshot)
        rows.append(
            RequestRow(
                request_id=f"s{seed}-{i}",
                state="request",
                model="shop",
                served_at=start + timedelta(seconds=i % 290),
                features_json=orjson.dumps(snapshot).decode(),
            )
        )
    with transaction.atomic():
        serving_statistics_record(requests=rows, now=start)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="val-staff", password="x", is_staff=True)


@pytest.fixture
def api(staff):
    client = APIClient()
    client.force_authenticate(staff)
    return client


def test_reference_and_schema_from_a_dataset_version(reference_schema):
    schema = reference_schema
    assert schema.number == 1 and schema.reference.rows == 1500
    assert schema.features["country"]["domain"] == COUNTRIES
    assert schema.features["price"]["kind"] == "numeric" and schema.features["clicks"]["type"] == "int"
    positives, labels = schema.reference.label_counts["m-1"]
    assert (positives, labels) == (375, 1500)
    # Building again reuses the statistics (versions are immutable) and makes schema version 2.
    again = validation_reference_build(version=schema.reference.version)
    assert again.number == 2 and ValidationReference.objects.count() == 1


def test_schema_edit_makes_a_new_version_and_refuses_bad_edits(reference_schema):
    edited = validation_schema_edit(
        schema=reference_schema,
        changes={"country": {"domain": ["de", "fr", "us", "it"], "thresholds": {"chebyshev": 0.2}}},
        note="Italy launches",
    )
    assert edited.number == 2 and edited.features["country"]["domain"] == ["de", "fr", "it", "us"]
    assert ValidationSchema.objects.get(number=1).features["country"]["domain"] == COUNTRIES  # old version kept
    from config.exceptions import ApplicationError

    for bad in (
        {"price": {"type": "decimal"}},
        {"price": {"range": [5, 1]}},
        {"price": {"thresholds": {"nope": 1}}},
        {"price": {"thresholds": {"chebyshev": 2}}},
        {"ghost": None},
        {"price": {"colour": "red"}},
    ):
        with pytest.raises(ApplicationError) as exc:
            validation_schema_edit(schema=edited, changes=bad)
        assert exc.value.extra["code"] == "invalid_schema"
    assert ValidationSchema.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_check_raises_each_anomaly_once_and_signals_after_commit(reference_schema):
    received = []

    def receiver(sender, anomaly, **kwargs):
        received.append((anomaly.kind, anomaly.feature))

    anomaly_raised.connect(receiver)
    try:
        now = timezone.now()
        first = window_floor(now - timedelta(minutes=20), 300)
        serve(first, 1200, seed=2)
        serve(first + timedelta(minutes=5), 1200, seed=3)
        assert validation_check(model="shop", since=first, now=now).clean
        broken = first + timedelta(minutes=10)

        def change(snapshot):
            snapshot["clicks"] = float(snapshot["clicks"]) + 0.5
            snapshot["price"] += 4
            snapshot.pop("country")

        serve(broken, 1200, seed=4, change=change)
        result = validation_check(model="shop", since=first, now=now)
        found = {(a.kind, a.feature) for a in result.anomalies}
        assert {
            ("type_mismatch", "clicks"),
            ("missing_feature", "country"),
            ("distribution_skew", "price"),
            ("distribution_drift", "price"),
        } <= found
        assert all(a.window_start == broken for a in result.anomalies)
        assert sorted(received) == sorted((a.kind, a.feature) for a in result.anomalies)
        # Run again: nothing new, nothing signalled twice.
        again = validation_check(model="shop", since=first, now=now)
        assert again.new == 0 and len(again.anomalies) == len(result.anomalies)
        assert len(received) == len(result.anomalies) == Anomaly.objects.count()
        # Each new anomaly is one `validation.anomaly` outbox event (the webhooks' source), written once.
        events = OutboxEvent.objects.filter(event_type="validation.anomaly")
        assert sorted((e.payload["kind"], e.payload["feature"]) for e in events) == sorted(received)
        assert {e.payload["anomaly_id"] for e in events} == set(Anomaly.objects.values_list("id", flat=True))
        # A check whose transaction rolls back leaves neither anomalies nor events.
        later = broken + timedelta(minutes=5)
        serve(later, 1200, seed=5, change=change)
        before = (Anomaly.objects.count(), events.count())
        with pytest.raises(RuntimeError), transaction.atomic():
            assert validation_check(model="shop", since=first, now=now + timedelta(minutes=10)).new > 0
            raise RuntimeError("roll back")
        assert (Anomaly.objects.count(), events.count()) == before
    finally:
        anomaly_raised.disconnect(receiver)


def test_label_drift_of_direct_labels(reference_schema):
    rows = [{"request_id": f"late{i}", "label": i % 10 < 7, "features": {"price": 10.0}} for i in range(600)]
    add_direct_labels("shop", rows)
    result = validation_check(model="shop", since=timezone.now() - timedelta(hours=3))
    drift = [a for a in result.anomalies if a.kind == "label_drift"]
    # 0.25 in the reference (all rows of model version m-1 alike), now (375 + 420) / 2100 in the window.
    assert len(drift) == 1 and drift[0].feature == "m-1" and drift[0].figure > 0.1


def test_api_is_staff_only(reference_schema, api):
    anonymous = APIClient()
    rater = APIClient()
    rater.force_authenticate(get_user_model().objects.create_user(username="val-rater", password="x"))
    for client in (anonymous, rater):
        assert client.get("/api/validation/anomalies/").status_code in (401, 403)
        assert client.post("/api/validation/checks/", {"model": "shop"}, format="json").status_code in (401, 403)
        assert client.post("/api/validation/references/", {"dataset": "shop-train"}, format="json").status_code in (
            401,
            403,
        )
        assert client.post(
            "/api/validation/schemas/shop-train/", {"features": {"price": None}}, format="json"
        ).status_code in (401, 403)
    assert ValidationSchema.objects.count() == 1


def test_api_reference_schema_check_and_anomaly_state(reference_schema, api):
    response = api.post("/api/validation/references/", {"dataset": "shop-train", "version": 1}, format="json")
    assert response.status_code == 201 and response.json()["number"] == 2
    edit = api.post("/api/validation/schemas/shop-train/", {"features": {"clicks": {"type": "float"}}}, format="json")
    assert edit.status_code == 201 and edit.json()["features"]["clicks"]["type"] == "float"
    assert api.get("/api/validation/schemas/shop-train/?number=1").json()["features"]["clicks"]["type"] == "int"
    start = window_floor(timezone.now() - timedelta(minutes=5), 300)
    serve(start, 600, seed=9, change=lambda s: s.update(country="jp"))
    check = api.post("/api/validation/checks/", {"model": "shop", "since": start.isoformat()}, format="json")
    assert check.status_code == 200 and not check.json()["clean"]
    unseen = [a for a in check.json()["anomalies"] if a["kind"] == "unseen_category"]
    assert unseen[0]["feature"] == "country" and unseen[0]["examples"] == ["jp"]
    listed = api.get("/api/validation/anomalies/?model=shop&state=open").json()
    assert unseen[0]["id"] in [a["id"] for a in listed]
    acked = api.post(f"/api/validation/anomalies/{unseen[0]['id']}/state/", {"state": "acknowledged"}, format="json")
    assert acked.status_code == 200 and Anomaly.objects.get(pk=unseen[0]["id"]).state == "acknowledged"


def test_api_bad_input_is_a_clean_4xx_and_stores_nothing(reference_schema, api):
    cases = [
        ("post", "/api/validation/references/", {"dataset": "nope"}, 404),
        ("post", "/api/validation/references/", {"dataset": "shop-train", "version": 9}, 404),
        ("post", "/api/validation/references/", {"dataset": "shop-train", "version": "x"}, 400),
        ("post", "/api/validation/checks/", {"model": "unknown"}, 404),
        ("post", "/api/validation/checks/", {"model": "shop", "since": "yesterday"}, 400),
        ("post", "/api/validation/schemas/shop-train/", {"features": {"price": {"type": "decimal"}}}, 400),
        ("post", "/api/validation/schemas/shop-train/", {"features": {}}, 400),
        ("get", "/api/validation/anomalies/?state=closed", None, 400),
        ("post", "/api/validation/anomalies/999999/state/", {"state": "resolved"}, 404),
    ]
    for method, url, body, expected in cases:
        response = getattr(api, method)(url, body, format="json") if body is not None else api.get(url)
        assert response.status_code == expected, (url, body, response.content)
        assert set(response.json()) == {"message", "extra"}
    assert ValidationSchema.objects.count() == 1 and not Anomaly.objects.exists()


def test_cli_reference_and_check_exit_codes(db):
    rng = random.Random(5)
    add_direct_labels("shop", [{"request_id": f"c{i}", "label": False, "features": features(rng)} for i in range(800)])
    dataset_build(dataset=dataset_create(name="shop-cli", direct_model="shop"))
    out = StringIO()
    call_command("validation_reference", "shop-cli", "--version", "1", stdout=out, verbosity=0)
    assert json.loads(out.getvalue())["features"]["country"]["domain"] == COUNTRIES
    start = window_floor(timezone.now() - timedelta(minutes=5), 300)
    serve(start, 600, seed=6)
    out = StringIO()
    call_command("validation_check", "--model", "shop", "--since", "1h", "--json", stdout=out)
    assert json.loads(out.getvalue())["clean"] is True
    serve(start, 600, seed=7, change=lambda s: s.update(country=None))
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("validation_check", "--model", "shop", "--since", start.isoformat(), "--json", stdout=out)
    assert exit_info.value.code == 1
    assert "null_rate" in {a["kind"] for a in json.loads(out.getvalue())["anomalies"]}
    for args in (
        ["validation_reference", "nope"],
        ["validation_reference", "shop-cli", "--version", "7"],
        ["validation_check", "--model", "shop", "--since", "last tuesday"],
        ["validation_check", "--model", "shop", "--since", "2026-01-01T00:00:00"],
        ["validation_check", "--model", "nobody"],
    ):
        with pytest.raises(CommandError):
            call_command(*args, stdout=StringIO(), verbosity=0)
    assert version_get(dataset=dataset_get(name="shop-cli"), number=1).validation_reference.rows == 800


def test_thresholds_settings_refuse_unsafe_values(settings):
    from django.core.exceptions import ImproperlyConfigured

    from datasets import conf as datasets_conf

    settings.DATASETS_VALIDATION = {"THRESHOLDS": {"chebyshev": 0.2}}
    assert datasets_conf.thresholds()["chebyshev"] == 0.2 and datasets_conf.thresholds()["jensen_shannon"] == 0.05
    for bad in ({"chebyshev": 1.5}, {"chebyshev": "high"}, {"chebishev": 0.1}):
        settings.DATASETS_VALIDATION = {"THRESHOLDS": bad}
        with pytest.raises(ImproperlyConfigured):
            datasets_conf.thresholds()


def test_the_beat_task_compacts_then_checks_every_validated_model(reference_schema):
    from datasets.tasks import validation_check_models
    from feedback.models import ServingStatistics

    start = window_floor(timezone.now() - timedelta(minutes=30), 300)
    for seed in (20, 21, 22):  # three batches into the same window
        serve(start, 300, seed=seed, change=lambda s: s.update(country="jp"))
    assert ServingStatistics.objects.count() == 3
    assert validation_check_models() == {"shop": Anomaly.objects.filter(model="shop").count()}
    assert ServingStatistics.objects.count() == 1 and ServingStatistics.objects.get().rows == 900
    assert Anomaly.objects.filter(kind="unseen_category", feature="country").exists()
