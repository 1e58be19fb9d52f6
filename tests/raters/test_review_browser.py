"""The review pass end to end in Chromium: a rater labels and flags with the keyboard, a reviewer rejects
with a comment, the rater gets the item back with the comment, corrects it, and the history shows both."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labeling.models import Annotation, AnnotationRevision, Assignment, ItemFlag, Review
from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PASSWORD = "pw-123456789"
TEXTS = [
    "The battery lasts all day and charges fast.",
    "Arrived broken and support never answered.",
    "It is a phone case. It fits the phone.",
    "Best purchase I made this year!",
]


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _sign_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reject_rework_and_flag_in_chromium(live_server, django_user_model):
    from playwright.sync_api import sync_playwright

    # Given a project that reviews every answer, a rater and a staff reviewer
    project = project_create(
        name="Review sentiment",
        label_type="single",
        categories=["positive", "negative", "neutral"],
        overlap=1,
        review_mode="all",
        pause_fast_share_above=None,
    )
    items_import(
        project=project, records=[{"external_id": f"r{i}", "payload": {"text": t}} for i, t in enumerate(TEXTS)]
    )
    instructions_publish(project=project, body="Pick the overall feeling of the review.")
    rater = django_user_model.objects.create_user("rater_ann", password=PASSWORD)
    membership_add(project=project, user=rater)
    instructions_acknowledge(project=project, user=rater)
    django_user_model.objects.create_user("lead", password=PASSWORD, is_staff=True)
    base = live_server.url
    label_url = f"{base}/projects/{project.pk}/label/"

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            rater_page = browser.new_page(viewport={"width": 1280, "height": 860})
            _sign_in(rater_page, f"{base}/accounts/login/?next=/projects/{project.pk}/label/", "rater_ann")
            # The rater labels the first item "neutral" (key 3, Enter)
            rater_page.wait_for_selector("#label-form")
            first_text = rater_page.locator(".item-text").inner_text()
            rater_page.keyboard.press("3")
            with rater_page.expect_navigation():
                rater_page.keyboard.press("Enter")
            assert "Saved." in rater_page.locator(".messages").inner_text()
            # and flags the next item with one key: F opens the picker, 1 sends "broken"
            flagged_text = rater_page.locator(".item-text").inner_text()
            rater_page.keyboard.press("f")
            assert rater_page.locator("#flag-dialog").is_visible()
            with rater_page.expect_navigation():
                rater_page.keyboard.press("1")
            assert "Flag sent" in rater_page.locator(".messages").inner_text()
            flag = ItemFlag.objects.get()
            assert (flag.rater, flag.reason, flag.item.payload["text"]) == (rater, "broken", flagged_text)
            # then skips it with a reason code (S, pick "The item is broken or empty")
            rater_page.keyboard.press("s")
            rater_page.check("#skip-dialog input[name=code][value=broken]")
            with rater_page.expect_navigation():
                rater_page.click("#skip-dialog button[type=submit]")
            assert "Skipped." in rater_page.locator(".messages").inner_text()
            assert Assignment.objects.get(status="skipped").skip_code == "broken"

            # A reviewer rejects the answer with a comment on the review screen
            staff_page = browser.new_page(viewport={"width": 1280, "height": 900})
            _sign_in(staff_page, f"{base}/dashboard/login/?next=/dashboard/projects/{project.pk}/review/", "lead")
            row = staff_page.locator("tr.review-row").first
            assert first_text[:30] in row.inner_text() and "rater_ann" not in staff_page.content()
            row.locator("input[name=comment]").fill("The writer is pleased: this is positive.")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            staff_page.screenshot(path=str(SCREENSHOTS / "review.png"), full_page=True)
            with staff_page.expect_navigation():
                row.locator("button[value=reject]").click()
            assert "Rejected" in staff_page.locator(".messages, .msg").first.inner_text()

            # The rater finishes the item on screen; the next page is the rejected item, with the comment
            rater_page.goto(label_url)
            rater_page.keyboard.press("2")
            with rater_page.expect_navigation():
                rater_page.keyboard.press("Enter")
            assert rater_page.locator(".item-text").inner_text() == first_text
            assert "The writer is pleased: this is positive." in rater_page.locator("#rework").inner_text()
            assert "neutral" in rater_page.locator(".rework-previous").inner_text()
            rater_page.keyboard.press("1")
            with rater_page.expect_navigation():
                rater_page.keyboard.press("Enter")
            assert "Saved." in rater_page.locator(".messages").inner_text()
            assert rater_page.locator(".item-text").inner_text() not in (first_text,)

            # The corrected answer replaced the old one; the history shows both
            annotation = Annotation.objects.get(rater=rater, item__payload__text=first_text)
            assert annotation.value == "positive"
            assert list(AnnotationRevision.objects.values_list("value", flat=True)) == ["neutral"]
            staff_page.goto(f"{base}/dashboard/projects/{project.pk}/review/")
            history = staff_page.locator("tr.reworked-row").first.inner_text()
            assert "neutral" in history and "positive" in history and "this is positive" in history
            assert Review.objects.filter(annotation=annotation, round=2, state="pending").exists()
            staff_page.screenshot(path=str(SCREENSHOTS / "review-history.png"), full_page=True)

            # The flag shows on the staff flags page; the reply reaches the rater's stats page
            staff_page.goto(f"{base}/dashboard/projects/{project.pk}/flags/")
            staff_page.locator("tr.flag-row input[name=note]").first.fill("Thanks, we removed the item.")
            with staff_page.expect_navigation():
                staff_page.locator("tr.flag-row button").first.click()
            rater_page.goto(f"{base}/me/stats/")
            assert "Thanks, we removed the item." in rater_page.locator("#my-flags").inner_text()
        finally:
            browser.close()
