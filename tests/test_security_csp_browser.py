"""The Content-Security-Policy in a real browser: the rater UI, the dashboard and Swagger UI run with no violation.

Chromium reports every blocked script, style or image as a `securitypolicyviolation` event; the pages are
driven through their real login forms.
"""

from __future__ import annotations

import shutil

import pytest
from django.contrib.auth import get_user_model

from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "correct-horse-battery-staple"
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, line: e.lineNumber});
});
"""


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


def _login(browser, live_server, username: str, login_path: str):
    context = browser.new_context()
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.goto(f"{live_server.url}{login_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _violations(page) -> list[dict]:
    return page.evaluate("window.__csp")


def test_rater_ui_dashboard_and_swagger_run_under_the_policy(browser, live_server):
    project = project_create(name="CSP check", label_type="single", categories=["yes", "no"])
    items_import(project=project, records=[{"external_id": "a", "payload": {"text": "Is this a cat?"}}])
    rater = get_user_model().objects.create_user("csp-rater", password=PASSWORD)
    membership_add(project=project, user=rater)
    get_user_model().objects.create_user("csp-staff", password=PASSWORD, is_staff=True, is_superuser=True)

    page = _login(browser, live_server, "csp-rater", "/accounts/login/")
    for path in ("/", "/projects/{p}/label/", "/me/stats/"):
        page.goto(f"{live_server.url}{path.format(p=project.pk)}")
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path
    page.goto(f"{live_server.url}/projects/{project.pk}/label/")
    page.keyboard.press("1")  # label.js still runs: the hotkey picks the first choice
    assert page.locator("input[name=value]:checked").count() == 1

    staff = _login(browser, live_server, "csp-staff", "/dashboard/login/")
    assert _violations(staff) == []
    assert staff.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    staff.goto(f"{live_server.url}/api/docs/")
    staff.wait_for_selector(".swagger-ui .info", timeout=20_000)
    assert _violations(staff) == []
    staff.goto(f"{live_server.url}/admin/")
    staff.wait_for_load_state("networkidle")
    assert _violations(staff) == []
