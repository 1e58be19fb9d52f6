"""The staff pages in Chromium: one sign-in, a paused rater reinstated, a k-suppressed diversity report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.clock import submit_after
from tests.raters.conftest import CATEGORIES

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls from it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_reinstate_a_paused_rater_and_read_the_diversity_report(live_server, browser, make_project, make_rater):
    """Staff sign in once, see why a rater was paused, reinstate them, and read a k-suppressed report."""
    from labeling.services.assignment import assignment_lease_next
    from labeling.services.resolution import item_resolve
    from raters.services.attributes import attributes_consent_give

    # Given six raters (five English speakers, one Welsh speaker) who labeled every item, four newcomers
    # and a spammer the fast-answer rule paused
    project = make_project(regular=16, gold=4, overlap=7, gold_ratio=0.3, pay_per_annotation_cents=4, budget_cents=2000)
    raters = [make_rater(project, name=f"rater{i}") for i in range(6)]
    for i, rater in enumerate(raters):
        attributes_consent_give(user=rater, consent=True, language="cy" if i == 5 else "en", age_band="25-34")
        while (a := assignment_lease_next(project=project, rater=rater)) is not None:
            truth = a.item.gold_value or CATEGORIES[int(a.item.external_id[1:]) % 3]
            submit_after(a, rater=rater, value=truth, ms=4000 + 500 * i)
    for item in project.items.filter(is_gold=False):
        item_resolve(item=item)
    for i in range(4):  # newcomers who shared nothing: with them the hidden remainder reaches k
        make_rater(project, name=f"newcomer{i}")
    spammer = make_rater(project, name="speedy")
    for _ in range(10):
        a = assignment_lease_next(project=project, rater=spammer)
        submit_after(a, rater=spammer, value="positive", ms=700)
    get_user_model().objects.create_user("lead", password="lead-pass-12345", is_staff=True)

    # When staff open the raters page, they sign in on the one staff login and land back on it
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/dashboard/projects/{project.pk}/raters/")
    page.wait_for_url("**/dashboard/login/**")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", "lead-pass-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/dashboard/projects/{project.pk}/raters/")

    # Then the spammer shows as paused, with the rule's reason, and one click reinstates them
    row = page.locator("#raters-table tr", has_text="speedy")
    assert "paused" in row.inner_text()
    assert "under 2 s" in row.locator(".badge").get_attribute("title")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-raters-paused.png"), full_page=False)
    row.locator("button", has_text="Reinstate").click()
    page.wait_for_selector("text=speedy is reinstated.")
    assert "active" in page.locator("#raters-table tr", has_text="speedy").inner_text()

    # The diversity page charts English (5 raters) and hides the lone Welsh speaker (k = 5)
    page.goto(f"{live_server.url}/dashboard/projects/{project.pk}/diversity/")
    language = page.locator("section.card", has_text="Language: raters per group").first
    text = language.inner_text() + " ".join(language.locator("svg text").all_text_contents())
    assert "en" in text.split() and "cy" not in text.split()
    assert "1 group suppressed" in text and "other / not s" in text
    page.screenshot(path=str(SCREENSHOTS / "dashboard-diversity-staff.png"), full_page=True)
    page.close()
