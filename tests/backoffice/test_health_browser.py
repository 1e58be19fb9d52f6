"""The watermark panel of the health page in a real Chromium: staff see the partition chart, a rater is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from feedback import conf as feedback_conf
from feedback.models import InferenceRequest
from feedback.selectors.watermarks import feedback_group
from ingestion.models import ConsumerOffset
from tests.backoffice.test_browser import PASSWORD, SCREENSHOTS, launch, sign_in


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def seed() -> None:
    """Four partitions: 2 lags behind a backlog, the others are caught up or close; 30 windows wait on partition 2."""
    now = timezone.now()
    group, topic = feedback_group(), feedback_conf.feedback_topic()
    partitions = [
        dict(partition=0, committed_offset=41_230, highwater=41_230, caught_up_at=now - timedelta(seconds=1)),
        dict(partition=1, committed_offset=40_871, highwater=40_902, event_time_max=now - timedelta(seconds=40)),
        dict(partition=2, committed_offset=28_004, highwater=39_950, event_time_max=now - timedelta(minutes=7)),
        dict(partition=3, committed_offset=40_115, highwater=40_115, caught_up_at=now - timedelta(seconds=2),
             event_time_max=now - timedelta(seconds=3)),
    ]  # fmt: skip
    for row in partitions:
        ConsumerOffset.objects.create(group=group, topic=topic, updated_at=now, **row)
    InferenceRequest.objects.bulk_create(
        InferenceRequest(request_id=f"r{i}", state="open", served_at=now - timedelta(minutes=5),
                         close_at=now - timedelta(seconds=10 * i + 5), first_seen_at=now)
        for i in range(30)
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_watermark_panel_in_chromium(live_server):
    from playwright.sync_api import sync_playwright

    seed()
    User = get_user_model()
    User.objects.create_user("lead", password=PASSWORD, is_staff=True)
    User.objects.create_user("rater", password=PASSWORD)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            staff = browser.new_page(viewport={"width": 1366, "height": 900})
            sign_in(staff, base, "lead", "/dashboard/health/")
            assert staff.url.endswith("/dashboard/health/"), staff.url
            panel = staff.locator("#watermark")
            chart = panel.locator('svg[aria-label="Event time behind the wall clock per feedback partition"]')
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100
            bars = chart.locator("rect.data.bar")
            assert bars.count() == 4
            assert [bars.nth(i).get_attribute("fill") for i in range(4)].count("#dc2626") == 1
            assert "p2 (low)" in chart.inner_html()
            assert "Partition 2 holds the low watermark." in panel.inner_text()
            assert panel.locator(".kpi", has_text="Held by the watermark").locator(".value").inner_text() == "30"
            panel.screenshot(path=str(SCREENSHOTS / "health-watermark.png"))

            rater = browser.new_page()
            sign_in(rater, base, "rater", "/dashboard/health/")
            response = rater.goto(f"{base}/dashboard/health/")
            assert response is not None and response.status == 403
            assert rater.locator("#watermark").count() == 0
        finally:
            browser.close()
