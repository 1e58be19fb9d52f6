"""The dashboard in a real Chromium: staff sign in and see every page drawn; a rater is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count

from backoffice.services import dashboard_precompute_all
from bench.traffic import seed_traffic
from raters.services.quality import rater_pause
from tests.backoffice.seed import seed_rte

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls beside it are still sync."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=shutil.which("chromium"),
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def sign_in(page, base: str, username: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def drawn_charts(page) -> list[dict]:
    """Every chart on the page with how many data marks it drew and its rendered size."""
    return page.eval_on_selector_all(
        "svg[data-chart]",
        """svgs => svgs.map(s => ({kind: s.dataset.chart, empty: s.dataset.empty,
            label: s.getAttribute('aria-label'), marks: s.querySelectorAll('.data').length,
            width: s.getBoundingClientRect().width, height: s.getBoundingClientRect().height}))""",
    )


def wider_than_viewport(page) -> list[str]:
    """The deepest elements reaching past the viewport's right edge, to name what makes a page scroll."""
    return page.evaluate(
        """() => {
        const w = document.documentElement.clientWidth;
        return [...document.querySelectorAll("body *")]
          .filter(e => e.getBoundingClientRect().right > w + 0.5)
          .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > w + 0.5))
          .slice(0, 8)
          .map(e => `${e.tagName.toLowerCase()}.${e.className}#${e.id}[${e.getAttribute("name") || ""}]`
                    + ` right=${Math.round(e.getBoundingClientRect().right)}`
                    + ` text=${(e.textContent || "").trim().slice(0, 40)}`);
        }"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_pages_in_chromium(live_server, shared_data, tmp_path):
    from playwright.sync_api import sync_playwright

    project = seed_rte(
        rte_path=shared_data / "snow2008" / "rte.standardized.tsv", tmp=tmp_path, items_limit=200, with_datasets=True
    )
    seed_traffic()
    User = get_user_model()
    rater_id = project.annotations.values("rater_id").annotate(n=Count("id")).order_by("-n", "rater_id")[0]["rater_id"]
    # A paused rater's page holds the reinstate form too (a text box in a KPI card): it must fit a phone as well.
    rater_pause(project=project, user=User.objects.get(pk=rater_id), reason="checked at phone width")
    dashboard_precompute_all()  # what Celery beat does every few minutes
    User.objects.create_user("lead", password=PASSWORD, is_staff=True)
    rater = project.memberships.select_related("user").first().user
    rater.set_password(PASSWORD)  # imported raters have no usable password
    rater.save(update_fields=["password"])
    pages = {
        "index": ("/dashboard/", 0),
        "quality": (f"/dashboard/projects/{project.pk}/quality/", 4),
        "raters": (f"/dashboard/projects/{project.pk}/raters/", 2),
        "rater": (f"/dashboard/projects/{project.pk}/raters/{rater_id}/", 4),
        "cost": (f"/dashboard/projects/{project.pk}/cost/", 4),
        "diversity": (f"/dashboard/projects/{project.pk}/diversity/", 3),
        "health": ("/dashboard/health/", 5),
        "datasets": ("/dashboard/datasets/", 4),
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            staff = browser.new_page(viewport={"width": 1366, "height": 900})
            sign_in(staff, base, "lead", "/dashboard/")
            assert staff.url.endswith("/dashboard/"), staff.url
            assert "RTE entailment" in staff.content()
            assert "not yet" not in staff.inner_text("table")  # beat's figures are listed
            for name, (path, min_charts) in pages.items():
                response = staff.goto(f"{base}{path}")
                assert response is not None and response.status == 200, path
                assert staff.locator("link[rel=stylesheet]").count() == 1
                charts = drawn_charts(staff)
                drawn = [c for c in charts if c["empty"] == "false"]
                assert len(drawn) >= min_charts, (name, charts)
                for chart in drawn:
                    assert chart["marks"] > 0 and chart["width"] > 100 and chart["height"] > 50, (name, chart)
                if name != "index":
                    assert "Figures computed" in staff.inner_text(".freshness")
                # The raters table is long: its screenshot is the first screen (heatmap and top of the table).
                staff.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=name != "raters")

            # At a phone's width (390 px) no page scrolls sideways: wide tables scroll inside their card.
            staff.set_viewport_size({"width": 390, "height": 844})
            for name, (path, _) in [*pages.items(), ("applications", ("/dashboard/applications/", 0))]:
                staff.goto(f"{base}{path}")
                width = staff.evaluate("document.documentElement.scrollWidth")
                if name == "rater":
                    assert staff.locator("input[name=note]").count() == 1  # the reinstate form is on the page
                assert width <= 390, (name, width, wider_than_viewport(staff))
            staff.goto(f"{base}{pages['quality'][0]}")
            staff.screenshot(path=str(SCREENSHOTS / "dashboard-quality-phone.png"), full_page=False)
            staff.set_viewport_size({"width": 1366, "height": 900})

            # The recompute button refreshes a cheap section in place and says so.
            staff.goto(f"{base}{pages['quality'][0]}")
            staff.click(".freshness button")
            staff.wait_for_load_state("networkidle")
            assert "Recomputed quality" in staff.inner_text(".messages")

            # One click decides the oldest queued item through the adjudication service.
            before = int(staff.inner_text("#queue h2 .badge"))
            first = staff.locator("#queue form.decide").first
            first.locator("input[name=rationale]").fill("Hypothesis follows from the text.")
            first.locator("button[name=label]").last.click()
            staff.wait_for_load_state("networkidle")
            assert "decided" in staff.inner_text(".messages")
            assert int(staff.inner_text("#queue h2 .badge")) == before - 1

            # The raters table sorts by a column when its header is clicked.
            staff.goto(f"{base}{pages['raters'][0]}")
            staff.click("th >> text=median s/task")
            assert "sort=median_seconds" in staff.url

            outsider = browser.new_context().new_page()
            sign_in(outsider, base, rater.username, "/dashboard/")
            assert "/login/" not in outsider.url, "the rater could not sign in"
            for name, (path, _) in pages.items():
                response = outsider.goto(f"{base}{path}")
                assert response is not None and response.status == 403, (name, response and response.status)
                assert "svg" not in outsider.content().lower() or "data-chart" not in outsider.content()
        finally:
            browser.close()
