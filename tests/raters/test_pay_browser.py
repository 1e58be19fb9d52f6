"""The pay page in Debian's Chromium: staff see the distribution of pay per hour against the floor, close a
period and export it; the rater sees their own figure on /me/stats/. Saves docs/screenshots/pay.png."""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from raters.models import PayoutStatement, PeriodState
from raters.services.pay import pay_policy_set, payout_account_set
from tests.raters.pay_helpers import period_until_now, work

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PASSWORD = "pw-123456789"


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _seed(make_project, make_rater):
    """16 raters paid 8 pence a label, taking 15 s to 150 s a task: some well above a 6.00 floor, some far below."""
    project = make_project(name="Review sentiment", regular=200, overlap=1, pay_per_annotation_cents=8)
    pay_policy_set(project=project, currency="GBP", hourly_floor_cents=600)
    luck = random.Random(7)  # noqa: S311 - test data
    raters = []
    for i in range(16):
        rater = make_rater(project, name=f"rater{i:02d}")
        rater.set_password(PASSWORD)
        rater.save(update_fields=["password"])
        pace = 15 + i * 9
        for _ in range(6):
            work(project, rater, seconds=max(5, luck.gauss(pace, pace / 4)), skip=luck.random() < 0.1)
        payout_account_set(project=project, user=rater, platform="prolific", participant_id=f"{i:024x}")
        raters.append(rater)
    return project, raters


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pay_page_in_chromium(live_server, browser, make_project, make_rater, make_user):
    project, raters = _seed(make_project, make_rater)
    lead = make_user(staff=True, name="lead")
    lead.set_password(PASSWORD)
    lead.save(update_fields=["password"])
    period = period_until_now(project, hours=3)
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    errors: list[str] = []
    # No CSP violation and no failed request on the page (the browser's own favicon probe aside)
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(f"{live_server.url}/dashboard/projects/{project.pk}/pay/")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    # The histogram and the per-rater chart are drawn, with the floor line
    assert page.locator("svg[data-chart] .data").count() >= 16 + 3
    assert page.locator("svg[data-chart] .threshold").count() == 1
    assert "GBP" in page.inner_text("#median-hourly")

    # Some raters are below the floor before the close (red bars under the dashed floor line)
    assert page.locator("svg[data-chart] rect.data[fill='#dc2626']").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pay.png"), full_page=True)

    # Close the period from the page: the top-ups lift everyone to the floor
    page.click("#periods button:has-text('Close')")
    page.wait_for_load_state("networkidle")
    assert "Closed: 16 statements" in page.inner_text(".messages")
    period.refresh_from_db()
    assert period.state == PeriodState.CLOSED
    for statement in PayoutStatement.objects.filter(period=period):
        assert statement.total_cents * 3_600_000 >= 600 * statement.worked_ms

    # Export for Prolific: a download whose lines add up to the statements
    with page.expect_download() as download:
        page.click("#periods button:has-text('Export prolific')")
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == 16
    total = sum(round(float(line.split(",")[1]) * 100) for line in lines)
    assert total == sum(s.total_cents for s in PayoutStatement.objects.filter(period=period))
    assert not errors, errors

    # The rater sees only their own figure and statement
    rater_page = browser.new_page()
    rater_page.goto(f"{live_server.url}/me/stats/")  # sends them to the sign-in page
    rater_page.fill("input[name=username]", raters[15].get_username())
    rater_page.fill("input[name=password]", PASSWORD)
    rater_page.click("button[type=submit]")
    rater_page.goto(f"{live_server.url}/me/stats/")
    assert rater_page.locator("#pay-per-hour .hourly").count() == 1
    # Topped up to the floor (rounded up to the cent, so at or a cent above it)
    hourly = rater_page.inner_text("#pay-per-hour .hourly")
    assert hourly.endswith(" GBP") and Decimal(hourly.split()[0]) >= Decimal("6.00")
    assert rater_page.locator("#statements tbody tr").count() == 1
