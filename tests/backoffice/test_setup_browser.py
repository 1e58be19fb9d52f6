"""The whole staff workflow in a real Chromium, browser only: a new staff member sets up a project (schema,
instructions, items, gold, exam, practice, campaign); a rater signs up through the campaign page, qualifies
and labels every item; staff resolve, define, build and download a dataset, and check its rows.

The items are real: the first RTE pairs of Snow et al. (2008) in ../shared/data, with the experts' labels as
the gold answers. The shared file holds item ids and labels only (no pair text), so each item shows its id.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from django.contrib.auth import get_user_model

from config import celery_app
from labeling.models import Annotation, Item, Project

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PASSWORD = "pw-123456789"
CATEGORIES = ["entailment", "no entailment", "unsure"]
EXPERT = {"1": "entailment", "0": "no entailment"}
INSTRUCTIONS = (
    "# Does the text entail the hypothesis?\n\n"
    "Read the text, then the hypothesis.\n\n"
    "- **entailment**: a reader of the text would accept the hypothesis as true.\n"
    "- **no entailment**: the text does not say so, or says the opposite.\n"
    "- **unsure**: only when the pair cannot be read.\n"
)


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def eager_celery():
    """Call it to run Celery tasks inside the request, as a worker would (no worker in this test)."""
    previous = celery_app.conf.task_always_eager

    def switch_on() -> None:
        celery_app.conf.task_always_eager = True

    yield switch_on
    celery_app.conf.task_always_eager = previous


def _rte_items(shared_data: Path, n: int) -> list[tuple[str, str]]:
    """The first n RTE items (by id) with the experts' label."""
    gold: dict[str, str] = {}
    with (shared_data / "snow2008" / "rte.standardized.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            gold.setdefault(row["orig_id"], EXPERT[row["gold"]])
    return [(i, gold[i]) for i in sorted(gold, key=int)[:n]]


def _text(rte_id: str) -> str:
    return f"RTE pair {rte_id}: does the text entail the hypothesis?"


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(page, kind: str, name: str, body: bytes, expect: str) -> None:
    page.select_option("#id_kind", kind)
    page.set_input_files("#id_file", {"name": name, "mimeType": "text/csv", "buffer": body})
    page.click("#upload-form button[type=submit]")
    page.wait_for_function(
        "t => document.getElementById('report-summary').textContent.includes(t)", arg=expect, timeout=15000
    )
    assert page.locator("#upload-bar").evaluate("b => b.value") == 100


COLLECT_CSP_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _no_csp_violation(page) -> None:
    """The setup pages' scripts (preview, upload, copy, build) run under the Content-Security-Policy."""
    assert page.evaluate("window.__csp") == [], page.url
    assert page.evaluate("document.querySelectorAll('script:not([src]), [onclick], [onsubmit]').length") == 0


def _no_sideways_scroll(page) -> None:
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
           .filter(e => e.getBoundingClientRect().right < 445)
           .map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (page.url, wide)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_set_up_a_project_in_the_browser_and_ship_a_dataset(live_server, browser, shared_data, eager_celery):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    rte = _rte_items(shared_data, 38)
    regular, gold, exam, practice = rte[:30], rte[30:35], rte[35:37], rte[37]
    answers = {_text(i): label for i, label in rte}
    get_user_model().objects.create_user("lead", password=PASSWORD, is_staff=True)  # = manage.py createsuperuser

    staff_context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    staff_context.grant_permissions(["clipboard-read", "clipboard-write"])
    staff_context.add_init_script(COLLECT_CSP_VIOLATIONS)
    staff = staff_context.new_page()
    staff.set_default_timeout(15000)
    staff.goto(f"{base}/dashboard/")
    staff.fill("input[name=username]", "lead")
    staff.fill("input[name=password]", PASSWORD)
    staff.press("input[name=password]", "Enter")

    # 1. A new project with a 3-category schema; the preview draws the rater's card as it is typed.
    staff.click("text=New project")
    assert staff.evaluate("document.activeElement.id") == "id_name"  # focus starts on the first field
    staff.fill("#id_name", "RTE demo")
    staff.fill("#id_description", "Textual entailment, Snow et al. (2008) items.")
    staff.select_option("#id_label_type", "single")
    staff.fill("#id_categories", "\n".join(CATEGORIES))
    shown = [" ".join(t.split()) for t in staff.locator("#rater-preview .preview-choice").all_inner_texts()]
    assert shown == [f"{n} {c}" for n, c in enumerate(CATEGORIES, 1)]  # hotkey and label, as raters see them
    assert staff.locator("#rater-preview input[type=radio]").count() == 3
    _no_csp_violation(staff)
    staff.fill("#id_overlap", "1")
    staff.fill("#id_gold_ratio", "0.15")
    staff.check("#id_requires_exam")
    staff.fill("#id_pause_fast_share_above", "")  # a test clicks faster than any person: the speed rule is off
    staff.fill("#id_pay_per_annotation_cents", "5")
    staff.fill("#id_budget_cents", "100000")
    staff.screenshot(path=str(SCREENSHOTS / "setup-project.png"), full_page=True)
    staff.press("#id_name", "Enter")  # Enter submits
    staff.wait_for_url("**/setup/")
    project = Project.objects.get(name="RTE demo")
    assert project.categories == CATEGORIES and project.overlap == 1 and project.requires_exam

    # 2. Instructions: preview with the raters' renderer, diff, then publish.
    staff.click(".steps >> text=Instructions")
    staff.fill("#id_body", INSTRUCTIONS)
    staff.fill("#id_change_note", "First version")
    staff.click("text=Preview and diff")
    assert "<strong>entailment</strong>" in staff.inner_html("#instructions-preview")
    assert "+# Does the text entail" in staff.inner_text("#instructions-diff")
    staff.screenshot(path=str(SCREENSHOTS / "setup-instructions.png"), full_page=True)
    staff.click("#publish")
    assert "version 1 published" in staff.inner_text(".messages")

    # 3. Items, gold (one bad row, reported with its row and field), exam and practice, each with a progress bar.
    staff.click(".steps >> text=Items")
    _upload(
        staff,
        "items",
        "items.csv",
        _csv([{"external_id": f"rte-{i}", "text": _text(i)} for i, _ in regular]),
        "30 created",
    )
    gold_rows = [{"external_id": f"rte-{i}", "text": _text(i), "label": label} for i, label in gold]
    gold_rows.append({"external_id": "typo", "text": "A row with a typo in its answer.", "label": "entailmnet"})
    _upload(staff, "gold", "gold.csv", _csv(gold_rows), "5 created")
    assert staff.locator("#report-errors tbody tr td").all_inner_texts()[:3] == ["6", "typo", "gold_value"]
    staff.screenshot(path=str(SCREENSHOTS / "setup-items.png"), full_page=True)
    _no_csp_violation(staff)
    _upload(
        staff,
        "exam",
        "exam.csv",
        _csv([{"external_id": f"rte-{i}", "text": _text(i), "label": v} for i, v in exam]),
        "2 created",
    )
    staff.fill("#id_explanation_column", "why")
    practice_row = {
        "external_id": f"rte-{practice[0]}",
        "text": _text(practice[0]),
        "label": practice[1],
        "why": "The expert label.",
    }
    _upload(staff, "practice", "practice.csv", _csv([practice_row]), "1 created")
    counts = {
        k: Item.objects.filter(project=project, **k_filter).count()
        for k, k_filter in {
            "gold": {"is_gold": True, "is_exam": False, "is_practice": False},
            "exam": {"is_exam": True, "is_gold": True},
            "practice": {"is_practice": True, "is_gold": True},
            "regular": {"is_gold": False},
        }.items()
    }
    assert counts == {"gold": 5, "exam": 2, "practice": 1, "regular": 30}

    # 4. A campaign; its sign-up link is shown to copy.
    staff.click(".steps >> text=Campaigns")
    staff.fill("#id_title", "Judge RTE pairs")
    staff.fill("#id_slug", "rte-demo")
    staff.fill("#id_description", "Paid work, 5¢ per accepted label.")
    staff.click("text=Create campaign")
    link = staff.locator(".campaign .copy-row input").input_value()
    assert link.endswith("/join/rte-demo/")
    staff.click(".campaign .copy-row [data-copy]")
    staff.wait_for_selector(".campaign .copy-row [data-copy]:has-text('Copied')")
    assert staff.evaluate("navigator.clipboard.readText()") == link
    staff.fill(".campaign input[name=max_uses]", "5")
    staff.fill(".campaign input[name=note]", "Lab members")
    staff.click("text=New invite link")
    invite = staff.locator(".campaign table input.copy-source").input_value()
    assert invite.startswith(link + "?invite=") and invite in staff.inner_text(".messages")
    assert "0 / 5" in staff.inner_text(".campaign table")
    staff.screenshot(path=str(SCREENSHOTS / "setup-campaign.png"), full_page=True)

    # 5. A rater, in another browser context: sign up, pass the exam, acknowledge, practise, label everything.
    rater_context = browser.new_context(viewport={"width": 1280, "height": 860})
    rater = rater_context.new_page()
    rater.set_default_timeout(15000)
    rater.goto(link)
    rater.fill("#id_username", "judge")
    rater.fill("#id_password", "a-long-pass-phrase-42")
    rater.fill("#id_password_again", "a-long-pass-phrase-42")
    rater.click("button[type=submit]")
    rater.wait_for_url(f"**/projects/{project.pk}/exam/")
    for item in Item.objects.filter(project=project, is_exam=True):
        rater.check(f'input[name="item-{item.pk}"][value="{CATEGORIES.index(item.gold_value)}"]')
    rater.click("text=Submit my answers")
    rater.wait_for_url(f"**/projects/{project.pk}/instructions/")
    rater.click("#acknowledge")  # "I have read and understood version 1"
    rater.wait_for_url(f"**/projects/{project.pk}/practice/")
    rater.keyboard.press(str(CATEGORIES.index(practice[1]) + 1))
    rater.keyboard.press("Enter")
    rater.locator("#practice-feedback").wait_for()
    rater.keyboard.press("Enter")
    rater.wait_for_selector("text=You have done every practice item.")
    rater.keyboard.press("Enter")
    rater.wait_for_url(f"**/projects/{project.pk}/label/")
    for _ in range(40):
        if rater.locator("#label-form").count() == 0:
            break
        text = rater.locator(".item-text").inner_text()
        rater.keyboard.press(str(CATEGORIES.index(answers[text]) + 1))
        with rater.expect_navigation():
            rater.keyboard.press("Enter")
    assert "All done" in rater.content()  # every task (regular and gold) labeled: the meter says so
    rater_context.close()
    labels = Annotation.objects.filter(project=project, rater__username="judge")
    assert labels.filter(item__is_gold=False).count() == 30 and labels.filter(item__is_gold=True).exists()

    # 6. Staff resolve now, then define, build and download a dataset.
    staff.goto(f"{base}/dashboard/projects/{project.pk}/setup/")
    staff.click("text=Resolve now")
    assert "30 written" in staff.inner_text(".messages")
    staff.screenshot(path=str(SCREENSHOTS / "setup-checklist.png"), full_page=True)
    staff.click(".steps >> text=Datasets")
    assert staff.locator(f"#id_projects input[value='{project.pk}']").is_checked()
    staff.fill("#id_name", "rte-demo")
    staff.click("text=Define dataset")
    eager_celery()  # the build task runs in the request
    staff.click("#dataset-rte-demo >> text=Build a new version")
    staff.wait_for_function("document.getElementById('build-state').textContent.startsWith('ready')")
    assert staff.locator("#build-bar").evaluate("b => b.value") == 100
    staff.screenshot(path=str(SCREENSHOTS / "setup-dataset.png"), full_page=True)
    _no_csp_violation(staff)
    frames = {}
    for fmt in ("csv", "parquet"):
        with staff.expect_download() as download:
            staff.click(f"#downloads a[data-format={fmt}]")
        frames[fmt] = download.value.path()
    rows = pd.read_csv(frames["csv"])
    assert len(rows) == 30 and set(rows["source"]) == {"human"}
    expected = {f"rte-{i}": label for i, label in regular}
    assert {r.item_external_id: r.label for r in rows.itertuples()} == expected  # the rater's labels, resolved
    parquet = pd.read_parquet(frames["parquet"])
    assert sorted(parquet["item_external_id"]) == sorted(expected)

    # The Datasets page shows the new version at once, without pressing Recompute.
    staff.goto(f"{base}/dashboard/datasets/")
    assert "rte-demo" in staff.inner_text("main") and "No datasets yet" not in staff.inner_text("main")
    assert "v1" in staff.inner_text("#main-datasets, main")

    # At a phone's width no setup page scrolls sideways.
    staff.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "setup/",
        "setup/settings/",
        "setup/instructions/",
        "setup/items/",
        "setup/campaigns/",
        "setup/members/",
    ):
        staff.goto(f"{base}/dashboard/projects/{project.pk}/{path}")
        _no_sideways_scroll(staff)
    for path in (
        "/dashboard/setup/projects/new/",
        "/dashboard/setup/datasets/",
        "/dashboard/setup/datasets/rte-demo/versions/1/",
    ):
        staff.goto(f"{base}{path}")
        _no_sideways_scroll(staff)
    staff_context.close()
