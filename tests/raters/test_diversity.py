"""The pool diversity report never shows a group smaller than k."""

from __future__ import annotations

from dataclasses import asdict
from unittest.mock import patch

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from backoffice.selectors.diversity import diversity_page
from config.exceptions import ApplicationError
from raters.selectors.diversity import pool_diversity_report
from raters.services.attributes import attributes_consent_give

pytestmark = pytest.mark.django_db


def _pool(project, make_rater, languages: dict[str, int], unstated: int = 0) -> None:
    for language, count in languages.items():
        for _ in range(count):
            attributes_consent_give(user=make_rater(project), consent=True, language=language, age_band="25-34")
    for _ in range(unstated):
        make_rater(project)


def test_groups_smaller_than_k_are_hidden(make_project, make_rater):
    # Given 7 English, 5 Spanish, 2 Welsh and 1 Basque speaker, and 6 raters who shared nothing
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 7, "es": 5, "cy": 2, "eu": 1}, unstated=6)

    # When the report is built with the default k = 5
    report = pool_diversity_report(project=project)

    # Then only groups of at least 5 appear; the small ones are pooled with "not stated" (2+1+6 = 9 >= 5)
    language = next(a for a in report.attributes if a.attribute == "language")
    assert report.k == 5 and report.pool_size == 21 and report.consented == 15
    assert {g.value: g.raters for g in language.groups} == {"en": 7, "es": 5}
    assert language.other_or_not_stated == 9
    assert language.suppressed_groups == 2
    for attribute in report.attributes:
        assert all(g.raters >= report.k for g in attribute.groups)


def test_small_remainder_forces_secondary_suppression(make_project, make_rater):
    # 6 English + 5 Spanish + 1 Welsh and nobody unstated: showing en and es would reveal the lone Welsh speaker
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 6, "es": 5, "cy": 1})

    report = pool_diversity_report(project=project, k=5)

    language = next(a for a in report.attributes if a.attribute == "language")
    shown = {g.value: g.raters for g in language.groups}
    assert "cy" not in shown
    assert shown == {"en": 6}  # es hidden too, so the remainder (5 + 1) is at least k
    assert language.other_or_not_stated == 6
    assert report.pool_size - sum(shown.values()) >= 5


@override_settings(RATERS={"DIVERSITY_MIN_K": 3})
def test_the_floor_is_configurable_and_a_tiny_pool_shows_nothing(make_project, make_rater):
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 3, "fr": 3})
    language_at_3 = next(a for a in pool_diversity_report(project=project).attributes if a.attribute == "language")
    assert {g.value for g in language_at_3.groups} == {"en", "fr"}
    report = pool_diversity_report(project=project, k=5)  # above the floor is allowed
    for attribute in report.attributes:
        assert attribute.groups == [] or all(g.raters >= 5 for g in attribute.groups)
    language = next(a for a in report.attributes if a.attribute == "language")
    assert language.groups == [] and language.other_or_not_stated == 6


@pytest.mark.parametrize("k", [2, "2", 4, 0, -1])
def test_k_below_the_floor_is_refused_by_the_selector(make_project, make_rater, k):
    # Given a pool where a pair of Welsh speakers would be visible at k = 2
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 6, "cy": 2})
    # When any caller asks for k below the floor (5), the selector itself refuses
    with pytest.raises(ApplicationError) as exc:
        pool_diversity_report(project=project, k=k)
    assert exc.value.status_code == 400
    assert exc.value.extra == {"code": "k_below_minimum", "minimum": 5}


def test_k_2_is_refused_on_the_api_and_the_page(make_project, make_rater, staff):
    # Given a pair of Welsh speakers (a group of 2) in the pool
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 6, "cy": 2})
    api = APIClient()
    api.force_authenticate(staff)
    page = Client()
    page.force_login(staff)

    # When staff lower k to 2 through the API and the page
    refused_api = api.get(f"/api/raters/projects/{project.pk}/diversity/?k=2")
    refused_page = page.get(f"/dashboard/projects/{project.pk}/diversity/?k=2")

    # Then both refuse with the one error shape, and the group of 2 never shows
    assert refused_api.status_code == 400
    assert refused_api.json() == {
        "message": "Groups smaller than 5 are never shown; k cannot go below 5.",
        "extra": {"code": "k_below_minimum", "minimum": 5},
    }
    assert refused_page.status_code == 400 and b"k_below_minimum" in refused_page.content
    assert b"cy" not in refused_page.content
    garbage = api.get(f"/api/raters/projects/{project.pk}/diversity/?k=two")
    assert garbage.status_code == 400 and garbage.json()["extra"]["code"] == "invalid_k"
    assert page.get(f"/dashboard/projects/{project.pk}/diversity/?k=two").status_code == 400

    # And the default (the floor) and a stricter k still work, with no group below 5
    for query in ("", "?k=5", "?k=7"):
        body = api.get(f"/api/raters/projects/{project.pk}/diversity/{query}").json()
        language = next(a for a in body["attributes"] if a["attribute"] == "language")
        assert body["k"] >= 5 and "cy" not in {g["value"] for g in language["groups"]}
    assert page.get(f"/dashboard/projects/{project.pk}/diversity/").status_code == 200


def test_dashboard_drops_a_cached_report_below_the_floor(make_project, make_rater):
    # Given a cached dashboard snapshot computed while the floor was 2 (it shows the pair of Welsh speakers)
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 6, "cy": 2})
    with override_settings(RATERS={"DIVERSITY_MIN_K": 2}):
        low = asdict(pool_diversity_report(project=project, k=2))
    assert "cy" in {g["value"] for a in low["attributes"] for g in a["groups"]}
    with patch("backoffice.selectors.diversity.section_snapshot", return_value=({"report": low}, None)):
        # When the dashboard page is assembled under the floor of 5
        page = diversity_page(project=project)
    # Then the report is not shown at all
    assert page["report"] is None and page["attribute_charts"] == []
    assert "cannot go below 5" in page["error"]
