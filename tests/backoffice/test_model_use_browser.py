"""The quality page's model panel in a real Chromium: both figures drawn; a screenshot for the docs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.projects import membership_add
from labeling.services.suggestions import lease_suggestion
from tests.backoffice.test_browser import PASSWORD, SCREENSHOTS, drawn_charts, launch, sign_in
from tests.backoffice.test_model_use import _project


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_model_panel_in_chromium(live_server):
    from playwright.sync_api import sync_playwright

    # Given raters who kept the model's suggestion when shown, on a project with both control arms
    project = _project("browser-model", predictions=True)
    users = get_user_model()
    for i in range(12):
        rater = users.objects.create_user(f"m{i}", password=PASSWORD)
        membership_add(project=project, user=rater)
        lease = assignment_lease_next(project=project, rater=rater)
        shown = lease_suggestion(assignment=lease)
        annotation_submit(assignment_id=lease.pk, rater=rater, value="dog" if shown else ("dog" if i % 3 else "cat"))
    users.objects.create_user("lead", password=PASSWORD, is_staff=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # When staff open the quality page
        sign_in(page, live_server.url, "lead", f"/dashboard/projects/{project.pk}/quality/")
        panel = page.locator("#model")
        panel.scroll_into_view_if_needed()
        # Then the panel's two bar charts are drawn with data
        charts = [
            c for c in drawn_charts(page) if c["label"] and ("suggestion" in c["label"] or "stream" in c["label"])
        ]
        assert len(charts) == 2 and all(c["empty"] == "false" and c["marks"] > 0 and c["width"] > 100 for c in charts)
        panel.screenshot(path=str(SCREENSHOTS / "dashboard-model-panel.png"))
        browser.close()
