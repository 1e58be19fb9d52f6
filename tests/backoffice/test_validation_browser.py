"""The data validation page: staff only; in Chromium it draws reference vs serving per feature and the anomalies."""

from __future__ import annotations

import random
import shutil
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import timezone

from datasets.models import Anomaly
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from datasets.services.validation_check import validation_check
from datasets.services.validation_reference import validation_reference_build
from feedback.services.join import RequestRow
from feedback.services.serving_statistics import serving_statistics_record, window_floor
from tests.datasets.conftest import add_direct_labels

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def snapshot(rng: random.Random, *, broken: bool = False) -> dict:
    features = {
        "price": rng.gauss(20, 4) + (6 if broken else 0),
        "country": rng.choices(["de", "fr", "us", "gb"], [4, 3, 2, 1])[0],
        "device": rng.choice(["ios", "android", "web"]),
        "basket.items": rng.randint(1, 6),
    }
    if broken and rng.random() < 0.3:
        features["country"] = "br"
    return features


def seed_validation(model: str = "ranker") -> None:
    """A reference from a dataset version, then 24 windows of serving traffic; the last four break."""
    rng = random.Random(11)
    add_direct_labels(
        model, [{"request_id": f"t{i}", "label": i % 3 == 0, "features": snapshot(rng)} for i in range(2000)]
    )
    validation_reference_build(version=dataset_build(dataset=dataset_create(name="ranker-train", direct_model=model)))
    now = timezone.now()
    first = window_floor(now - timedelta(hours=2), 300)
    for w in range(24):
        start = first + timedelta(minutes=5 * w)
        rows = [
            RequestRow(
                request_id=f"s{w}-{i}",
                state="request",
                model=model,
                served_at=start + timedelta(seconds=i % 299),
                features_json=orjson.dumps(snapshot(rng, broken=w >= 20)).decode(),
            )
            for i in range(700)
        ]
        with transaction.atomic():
            serving_statistics_record(requests=rows, now=now)
    validation_check(model=model, since=first, now=now)


@pytest.mark.django_db
def test_the_page_is_staff_only_and_lists_the_anomalies():
    seed_validation()
    User = get_user_model()
    rater = Client()
    rater.force_login(User.objects.create_user("val-rater", password=PASSWORD))
    assert rater.get("/dashboard/validation/").status_code == 403
    assert Client().get("/dashboard/validation/").status_code == 302  # to the staff login
    anomaly = Anomaly.objects.filter(kind="unseen_category").first()
    assert rater.post(f"/dashboard/validation/anomalies/{anomaly.pk}/state/", {"state": "resolved"}).status_code == 403
    staff = Client()
    staff.force_login(User.objects.create_user("val-lead", password=PASSWORD, is_staff=True))
    html = staff.get("/dashboard/validation/models/ranker/").content.decode()
    assert "Values outside the domain" in html and "basket.items" in html and " style=" not in html
    assert staff.post(f"/dashboard/validation/anomalies/{anomaly.pk}/state/", {"state": "nonsense"}).status_code == 302
    assert Anomaly.objects.get(pk=anomaly.pk).state == "open"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_validation_page_in_chromium(live_server):
    from playwright.sync_api import sync_playwright

    seed_validation()
    get_user_model().objects.create_user("lead", password=PASSWORD, is_staff=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{live_server.url}/dashboard/validation/")
        page.fill("input[name=username]", "lead")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        charts = page.eval_on_selector_all(
            "svg[data-chart]",
            "svgs => svgs.map(s => ({kind: s.dataset.chart, marks: s.querySelectorAll('.data').length}))",
        )
        # One paired-bar chart and one distance-per-window chart per feature, each with data drawn.
        assert sorted(c["kind"] for c in charts) == ["line"] * 4 + ["paired"] * 4
        assert all(c["marks"] > 0 for c in charts)
        rows = page.locator("tr.anomaly")
        assert rows.count() == Anomaly.objects.count() > 0
        assert page.locator("tr.anomaly", has_text="Values outside the domain").count() >= 1
        page.screenshot(path=str(SCREENSHOTS / "validation.png"), full_page=True)
        page.locator("tr.anomaly.open button", has_text="Acknowledge").first.click()
        page.wait_for_load_state("networkidle")
        assert Anomaly.objects.filter(state="acknowledged").count() == 1
        assert not [e for e in errors if "Content Security Policy" in e]
        browser.close()
