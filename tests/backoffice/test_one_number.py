"""Every figure the dashboard shows is the owning part's number on the same project, not a second estimate."""

from __future__ import annotations

import pytest

from backoffice.services import dashboard_section_compute
from labeling.selectors.agreement import agreement_report, confusion_matrix
from labeling.selectors.resolution import adjudication_queue
from raters.models import GoldCheck
from raters.selectors.budget import project_budget_report
from raters.selectors.quality import project_rater_quality
from tests.backoffice.seed import seed_rte


@pytest.fixture
def project(shared_data, tmp_path):
    return seed_rte(rte_path=shared_data / "snow2008" / "rte.standardized.tsv", tmp=tmp_path, items_limit=60)


@pytest.mark.django_db
def test_dashboard_figures_equal_the_owning_selectors(project):
    # Given the seeded project's figures as the dashboard caches them
    quality = dashboard_section_compute(section="quality", project=project)["data"]
    rater_data = dashboard_section_compute(section="raters", project=project)["data"]
    raters = rater_data["raters"]
    cost = dashboard_section_compute(section="cost", project=project)["data"]

    # Alpha, its interval and the per-version alphas are the agreement report's
    report = agreement_report(project=project, bootstrap=1000)
    at_level = report["alpha"][report["measurement_level"]]
    assert (quality["overall"]["alpha"], quality["overall"]["low"], quality["overall"]["high"]) == (
        at_level["alpha"],
        at_level["ci_low"],
        at_level["ci_high"],
    )
    assert [v["alpha"] for v in quality["per_version"]] == [v["alpha"] for v in report["per_instruction_version"]]
    assert all(v["low"] <= v["alpha"] <= v["high"] for v in quality["per_version"])
    assert quality["over_time"][-1]["alpha"] == at_level["alpha"]
    # The confusion matrices, overall and per rater, are the agreement part's
    owner_confusion = confusion_matrix(project=project)
    assert quality["confusion"] == owner_confusion["matrix"]
    assert rater_data["confusion"]["per_rater"] == owner_confusion["per_rater"]

    # Gold accuracy comes from gold checks (there are some), earnings from the ledger, per rater
    assert GoldCheck.objects.filter(project=project).count() > 0
    owner = {row["user_id"]: row for row in project_rater_quality(project=project)}
    assert {r["rater_id"] for r in raters} == set(owner)
    for row in raters:
        expected = owner[row["rater_id"]]
        assert row["gold_accuracy"] == expected["gold_accuracy"]
        assert row["earnings_cents"] == expected["earnings_cents"]
        assert row["consensus_agreement"] == expected["agreement_with_consensus"]
        assert row["status"] == expected["status"]
    assert sum(r["earnings_cents"] for r in raters) > 0

    # Spend and budget are the ledger's report; the days add up to it
    budget = project_budget_report(project=project)
    assert cost["budget"]["spent"] == budget.spent_cents == sum(cost["spend_per_day_cents"])
    assert cost["budget"]["remaining"] == budget.remaining_cents
    assert cost["budget"]["per_resolved"] == budget.cost_per_resolved_label_cents


@pytest.mark.django_db
def test_queue_is_the_resolution_selector(client, project, django_user_model):
    staff = django_user_model.objects.create_user("lead", password="pw-123456789", is_staff=True)
    client.force_login(staff)
    page = client.get(f"/dashboard/projects/{project.pk}/quality/").context["page"]
    expected = list(adjudication_queue(project=project)[:25])
    assert page["queue"] == expected and len(expected) > 0
