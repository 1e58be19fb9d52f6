"""End to end in Debian's Chromium: sign up on the campaign page, pass the exam, acknowledge the
instructions, practise once, label 10 items with the keyboard alone, and see the 10 in my stats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labeling.models import Annotation
from tests.raters.conftest import CATEGORIES

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
INSTRUCTIONS = (
    "# Review sentiment\n\nRead the review and pick the **overall** feeling of the writer.\n\n"
    "- **positive**: the writer is pleased.\n- **negative**: the writer is unhappy.\n"
    "- **neutral**: facts only, no feeling either way.\n\n"
    "When a review mixes both, pick the feeling of its last sentence."
)
REVIEWS = {
    "The battery lasts all day and charges fast.": "positive",
    "Arrived broken and support never answered.": "negative",
    "It is a phone case. It fits the phone.": "neutral",
    "Best purchase I made this year!": "positive",
    "The screen scratches if you look at it.": "negative",
    "Delivery took four days, as promised.": "neutral",
    "I would buy it again without thinking twice.": "positive",
    "Stopped working after a week.": "negative",
    "The colour is grey.": "neutral",
    "Comfortable, quiet and well made.": "positive",
    "Smells of chemicals and the zip broke.": "negative",
    "Comes with a manual in three languages.": "neutral",
}
GOLD = {"Five stars, would recommend.": "positive", "Broke on day one.": "negative"}


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls from it.
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


def _setup_project(make_project, make_campaign):
    from labeling.services.items import items_import
    from labeling.services.projects import project_create

    project = project_create(
        name="Review sentiment",
        label_type="single",
        categories=CATEGORIES,
        description="Is the review positive, negative or neutral?",
        overlap=3,
        gold_ratio=0.2,
        requires_exam=True,
        exam_pass_mark=0.8,
        pay_per_annotation_cents=5,
        gold_bonus_cents=2,
        # A 10-item browser run answers in well under 2 s; the speed rule needs more answers than that to judge.
        pause_min_answers=30,
    )
    records = [{"external_id": f"r{i}", "payload": {"text": text}} for i, text in enumerate(REVIEWS)]
    records += [
        {"external_id": f"g{i}", "payload": {"text": text}, "is_gold": True, "gold_value": value}
        for i, (text, value) in enumerate(GOLD.items())
    ]
    records += [
        {"external_id": f"e{i}", "payload": {"text": text}, "is_gold": True, "is_exam": True, "gold_value": value}
        for i, (text, value) in enumerate(
            [("I love it.", "positive"), ("Terrible quality.", "negative"), ("It is blue.", "neutral")]
        )
    ]
    records.append(
        {
            "external_id": "pr0",
            "payload": {"text": "Great sound, but the strap snapped after a week."},
            "is_gold": True,
            "is_practice": True,
            "gold_value": "negative",
            "gold_explanation": "Mixed review: the last sentence decides, and it is a complaint.",
        }
    )
    assert items_import(project=project, records=records).error_count == 0
    from labeling.services.instructions import instructions_publish

    instructions_publish(project=project, body=INSTRUCTIONS, change_note="First version")
    campaign = make_campaign(
        project, title="Rate product reviews", slug="reviews", description="Paid work, 5¢ per accepted label."
    )
    return project, campaign


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_new_rater_signs_up_qualifies_and_labels_ten_items_by_keyboard(
    live_server, browser, make_project, make_campaign
):
    project, campaign = _setup_project(make_project, make_campaign)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)

    # Sign up on the public campaign page
    page.goto(f"{live_server.url}/join/{campaign.slug}/")
    assert page.locator("h1").inner_text() == "Rate product reviews"
    page.screenshot(path=str(SCREENSHOTS / "rater-signup.png"), full_page=True)
    page.fill("#id_username", "new_rater")
    page.fill("#id_password", "a-long-pass-phrase-42")
    page.fill("#id_password_again", "a-long-pass-phrase-42")
    page.select_option("#id_rater_type", "end_user")
    page.check("#id_consent")
    page.fill("#id_language", "en")
    page.click("button[type=submit]")

    # The exam comes first; answer every question correctly
    page.wait_for_url(f"**/projects/{project.pk}/exam/")
    for item in project.items.filter(is_exam=True):
        page.check(f'input[name="item-{item.pk}"][value="{CATEGORIES.index(item.gold_value)}"]')
    page.click("text=Submit my answers")

    # Then the instructions, with their version; acknowledge with the keyboard (the button has focus)
    page.wait_for_url(f"**/projects/{project.pk}/instructions/")
    assert "version 1" in page.locator(".eyebrow").inner_text().lower()
    assert "You passed the exam with 100%." in page.content()
    page.keyboard.press("Enter")

    # One practice item: a wrong answer shows the correct one and why
    page.wait_for_url(f"**/projects/{project.pk}/practice/")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    feedback = page.locator("#practice-feedback")
    feedback.wait_for()
    assert "the correct answer is negative" in feedback.inner_text()
    assert "last sentence decides" in feedback.inner_text()
    page.keyboard.press("Enter")  # "Next" has focus
    page.wait_for_selector("text=You have done every practice item.")
    page.keyboard.press("Enter")  # "Start labeling" has focus

    # Label 10 items with the keyboard alone: a digit picks the label, Enter submits
    page.wait_for_url(f"**/projects/{project.pk}/label/")
    assert "v1" in page.locator(".instructions-panel summary").inner_text()
    page.keyboard.press("?")
    assert page.locator("#help-dialog").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help-dialog").is_visible()
    # S skips with a reason (Enter confirms); the skipped item does not count as done
    page.wait_for_selector("#label-form")
    skipped_text = page.locator(".item-text").inner_text()
    page.keyboard.press("s")
    page.keyboard.type("Not a product review")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Skipped." in page.locator(".messages").inner_text()
    assert page.locator(".item-text").inner_text() != skipped_text
    # The meter counts the tasks left for this rater (the skipped one is no longer among them), and moves by
    # one per task whether the task was gold or not
    for n in range(10):
        page.wait_for_selector("#label-form")
        assert page.locator("#progress-text").inner_text() == f"{n} / 13 labeled"
        text = page.locator(".item-text").inner_text()
        page.keyboard.press(str(CATEGORIES.index({**REVIEWS, **GOLD}[text]) + 1))
        if n == 9:
            page.wait_for_timeout(1100)  # let the timer tick for the screenshot
            page.screenshot(path=str(SCREENSHOTS / "rater-labeling.png"))
        with page.expect_navigation():
            page.keyboard.press("Enter")

    # Phone width: the same screen, one column, nothing wider than the screen
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(f"{live_server.url}/projects/{project.pk}/label/")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_page.screenshot(path=str(SCREENSHOTS / "rater-labeling-phone.png"), full_page=True)
    phone.close()

    # My stats show the 10
    page.goto(f"{live_server.url}/me/stats/")
    assert page.locator("#total-tasks").inner_text() == "10"
    assert page.locator(f'.project-stats[data-project="{project.pk}"] .tasks-done').inner_text() == "10"
    assert "Active" in page.locator(".project-stats").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "rater-stats.png"), full_page=True)
    context.close()

    annotations = Annotation.objects.filter(project=project, rater__username="new_rater")
    assert annotations.count() == 10
    assert set(annotations.values_list("source", flat=True)) == {"ui"}
    assert all(a.time_spent_ms is not None for a in annotations)
    from labeling.models import Assignment

    skipped = Assignment.objects.get(project=project, rater__username="new_rater", status="skipped")
    assert skipped.skip_reason == "Not a product review"
