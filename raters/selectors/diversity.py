"""The pool diversity report: counts and agreement per consented attribute group, with k-suppression.

Only aggregates leave this module. A group smaller than k is dropped. Hidden groups and raters who stated
nothing are pooled into one "other or not stated" count; when that count is itself between 1 and k-1, the
smallest shown groups are hidden too (secondary suppression), so no small group can be recovered by
subtracting the shown groups from the pool size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from config.exceptions import ApplicationError
from labeling.models import MembershipStatus, Project, ProjectMembership, Role
from raters.conf import diversity_min_k
from raters.models import RaterAttributes
from raters.models.attributes import ATTRIBUTE_FIELDS
from raters.selectors.quality import _consensus_agreement


def diversity_k(raw: object = None) -> int:
    """The k a caller asked for, checked against the floor; None means the floor itself.

    Every report on rater attributes takes its k through here, so no page, API or export can go lower.
    """
    floor = diversity_min_k()
    if raw is None or raw == "":
        return floor
    try:
        k = int(str(raw))
    except ValueError:
        raise ApplicationError("k must be a whole number.", extra={"code": "invalid_k", "minimum": floor})
    if k < floor:
        raise ApplicationError(
            f"Groups smaller than {floor} are never shown; k cannot go below {floor}.",
            extra={"code": "k_below_minimum", "minimum": floor},
        )
    return k


@dataclass
class GroupRow:
    value: str
    raters: int
    agreement_with_consensus: float | None


ATTRIBUTE_LABELS = {
    "language": "First language",
    "region": "Region",
    "age_band": "Age band",
    "gender": "Gender",
    "domain_expertise": "Domain expertise",
}


@dataclass
class AttributeReport:
    attribute: str
    label: str = ""
    groups: list[GroupRow] = field(default_factory=list)
    other_or_not_stated: int | None = None  # shown only when at least k (or zero)
    suppressed_groups: int = 0


@dataclass
class DiversityReport:
    k: int
    pool_size: int
    consented: int
    attributes: list[AttributeReport]


def pool_diversity_report(*, project: Project | None = None, k: int | str | None = None) -> DiversityReport:
    """The whole pool, or a project's raters. Agreement with consensus is averaged over a group's raters.

    `k` below the configured floor is refused (400 `k_below_minimum`); None means the floor.
    """
    k = diversity_k(k)
    if project is not None:
        pool = set(
            ProjectMembership.objects.filter(project=project, role=Role.RATER)
            .exclude(status=MembershipStatus.REMOVED)
            .values_list("user_id", flat=True)
        )
        rows = list(RaterAttributes.objects.filter(user_id__in=pool).values("user_id", *ATTRIBUTE_FIELDS))
        agreement = _consensus_agreement(project=project)
    else:
        from raters.models import RaterProfile

        pool = set(RaterProfile.objects.values_list("user_id", flat=True))
        rows = list(RaterAttributes.objects.filter(user_id__in=pool).values("user_id", *ATTRIBUTE_FIELDS))
        agreement = {}

    reports = []
    for attribute in ATTRIBUTE_FIELDS:
        members: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            value = (row[attribute] or "").strip()
            if value:
                members[value.lower() if attribute in ("language", "region", "domain_expertise") else value].append(
                    row["user_id"]
                )
        report = AttributeReport(attribute=attribute, label=ATTRIBUTE_LABELS.get(attribute, attribute))
        shown = []
        for value, users in sorted(members.items()):
            if len(users) < k:
                report.suppressed_groups += 1
                continue
            scores = [agreement[u] for u in users if u in agreement]
            # Agreement is itself an aggregate: shown only when at least k of the group have a score.
            mean = sum(scores) / len(scores) if len(scores) >= k else None
            shown.append(GroupRow(value=value, raters=len(users), agreement_with_consensus=mean))
        remainder = len(pool) - sum(g.raters for g in shown)
        while 0 < remainder < k and shown:
            smallest = min(shown, key=lambda g: (g.raters, g.value))
            shown.remove(smallest)
            remainder += smallest.raters
            report.suppressed_groups += 1
        report.groups = shown
        report.other_or_not_stated = remainder if remainder == 0 or remainder >= k else None
        reports.append(report)
    return DiversityReport(k=k, pool_size=len(pool), consented=len(rows), attributes=reports)
