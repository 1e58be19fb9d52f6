"""The pool diversity report never shows a group smaller than k."""

from __future__ import annotations

import pytest

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


def test_k_is_configurable_and_a_tiny_pool_shows_nothing(make_project, make_rater):
    project = make_project(regular=0)
    _pool(project, make_rater, {"en": 3, "fr": 3})
    assert {
        g.value
        for g in next(
            a for a in pool_diversity_report(project=project, k=3).attributes if a.attribute == "language"
        ).groups
    } == {"en", "fr"}
    report = pool_diversity_report(project=project)  # k = 5
    for attribute in report.attributes:
        assert attribute.groups == [] or all(g.raters >= 5 for g in attribute.groups)
    language = next(a for a in report.attributes if a.attribute == "language")
    assert language.groups == [] and language.other_or_not_stated == 6
