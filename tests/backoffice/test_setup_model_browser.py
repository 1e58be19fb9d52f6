"""The model options setup page in a real Chromium: reached from the quality page, saved, kept after reload."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from labeling.models import ModelSettings
from tests.backoffice.test_browser import PASSWORD, SCREENSHOTS, launch, sign_in
from tests.backoffice.test_model_use import _project


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_change_a_model_option_in_chromium(live_server):
    from playwright.sync_api import sync_playwright

    # Given a project with predictions and suggestions shown to raters (control share 0.5)
    project = _project("browser-model-setup", predictions=True)
    get_user_model().objects.create_user("lead", password=PASSWORD, is_staff=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        # When staff follow the quality page's link to the model options
        sign_in(page, live_server.url, "lead", f"/dashboard/projects/{project.pk}/quality/")
        page.click("#model-options-link")
        page.wait_for_url(f"**/projects/{project.pk}/setup/model/")
        assert page.locator(".steps a.on").inner_text() == "Model"
        assert page.locator("#id_preannotations").is_checked()
        assert page.input_value("#id_preannotation_control_share") == "0.5"
        # And change the suggestion control share and save
        page.fill("#id_preannotation_control_share", "0.35")
        page.click("#model-form button[type=submit]")
        page.wait_for_selector(".messages")
        assert "Model options saved" in page.inner_text(".messages")
        # Then the stored option and the reloaded page both hold the new value, the rest unchanged
        assert ModelSettings.objects.get(project=project).preannotation_control_share == 0.35
        page.reload()
        assert page.input_value("#id_preannotation_control_share") == "0.35"
        assert page.locator("#id_preannotations").is_checked()
        assert page.input_value("#id_active_learning") == "margin"
        # And a bad value is refused beside its field, in the page
        page.fill("#id_active_learning_random_share", "2")
        page.click("#model-form button[type=submit]")
        assert "between 0 and 1" in page.inner_text("#id_active_learning_random_share_error")
        assert ModelSettings.objects.get(project=project).active_learning_random_share == 0.5
        page.goto(f"{live_server.url}/dashboard/projects/{project.pk}/setup/model/")
        page.screenshot(path=str(SCREENSHOTS / "setup-model.png"), full_page=True)
        browser.close()
    assert (SCREENSHOTS / "setup-model.png").stat().st_size > 10_000
