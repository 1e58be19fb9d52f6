"""Heavy figures of the raters page: one grouped pass over annotations, plus rater-pair agreement."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection

from labeling.dashboard.sources import call_safely, optional
from labeling.models import Annotation, Item, Project, ProjectMembership, Resolution

PAIR_CANDIDATES = 60
PAIR_RATERS = 20


def _rater_rows(project: Project) -> list[dict]:
    sql = f"""
        SELECT a.rater_id,
               count(*) AS annotations,
               count(*) FILTER (WHERE i.is_gold) AS gold_answers,
               count(*) FILTER (WHERE i.is_gold AND a.value = i.gold_value) AS gold_correct,
               count(r.item_id) AS resolved,
               count(*) FILTER (WHERE a.value = r.label) AS consensus_match,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY a.time_spent_ms) AS median_ms,
               count(a.time_spent_ms) AS timed,
               count(*) FILTER (WHERE a.time_spent_ms < %s) AS fast,
               min(a.created_at) AS first_at,
               max(a.created_at) AS last_at
        FROM {Annotation._meta.db_table} a
        JOIN {Item._meta.db_table} i ON i.id = a.item_id
        LEFT JOIN {Resolution._meta.db_table} r
               ON r.item_id = a.item_id AND r.is_current AND r.label IS NOT NULL AND NOT i.is_gold
        WHERE a.project_id = %s
        GROUP BY a.rater_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.fast_answer_seconds * 1000, project.pk])
        names = [col.name for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pair_agreement(*, project: Project, candidates: int = PAIR_CANDIDATES, keep: int = PAIR_RATERS) -> dict:
    """Observed agreement of rater pairs among the most active raters who share the most items."""
    table = Annotation._meta.db_table
    sql = f"""
        WITH top AS (
            SELECT rater_id FROM {table} WHERE project_id = %s
            GROUP BY rater_id ORDER BY count(*) DESC, rater_id LIMIT %s
        )
        SELECT a.rater_id, b.rater_id, count(*), count(*) FILTER (WHERE a.value = b.value)
        FROM {table} a
        JOIN {table} b ON b.item_id = a.item_id AND a.rater_id < b.rater_id
        WHERE a.project_id = %s AND a.rater_id IN (SELECT rater_id FROM top)
          AND b.rater_id IN (SELECT rater_id FROM top)
        GROUP BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk, candidates, project.pk])
        rows = cursor.fetchall()
    shared: dict[int, int] = {}
    for a, b, n, _ in rows:
        shared[a] = shared.get(a, 0) + n
        shared[b] = shared.get(b, 0) + n
    chosen = sorted(shared, key=lambda r: (-shared[r], r))[:keep]
    chosen.sort()
    position = {r: i for i, r in enumerate(chosen)}
    size = len(chosen)
    agreement: list[list[float | None]] = [[None] * size for _ in range(size)]
    pairs: list[list[int | None]] = [[None] * size for _ in range(size)]
    for a, b, n, agree in rows:
        if a in position and b in position and n:
            i, j = position[a], position[b]
            agreement[i][j] = agreement[j][i] = agree / n
            pairs[i][j] = pairs[j][i] = n
    for i in range(size):
        agreement[i][i] = 1.0
    names = dict(get_user_model().objects.filter(pk__in=chosen).values_list("pk", "username"))
    return {
        "raters": chosen,
        "names": [names.get(r, str(r)) for r in chosen],
        "agreement": agreement,
        "pairs": pairs,
    }


def rater_figures(*, project: Project) -> dict:
    """Per-rater rows (before other parts' figures are merged in) and the pair heatmap data."""
    rows = _rater_rows(project)
    user_ids = [row["rater_id"] for row in rows]
    users = {
        u["pk"]: u
        for u in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values("pk", "username", "rater_profile__pseudonym", "rater_profile__rater_type")
    }
    memberships = {
        m["user_id"]: m
        for m in ProjectMembership.objects.filter(project=project).values(
            "user_id", "status", "pause_reason", "is_qualified", "role"
        )
    }
    raters = []
    for row in rows:
        user = users.get(row["rater_id"], {})
        membership = memberships.get(row["rater_id"], {})
        raters.append(
            {
                "rater_id": row["rater_id"],
                "username": user.get("username", str(row["rater_id"])),
                "pseudonym": user.get("rater_profile__pseudonym") or "",
                "rater_type": user.get("rater_profile__rater_type") or "",
                "annotations": row["annotations"],
                "gold_answers": row["gold_answers"],
                "gold_accuracy": row["gold_correct"] / row["gold_answers"] if row["gold_answers"] else None,
                "consensus_items": row["resolved"],
                "consensus_agreement": row["consensus_match"] / row["resolved"] if row["resolved"] else None,
                "median_seconds": row["median_ms"] / 1000 if row["median_ms"] is not None else None,
                "fast_share": row["fast"] / row["timed"] if row["timed"] else None,
                "status": membership.get("status", "not a member"),
                "pause_reason": membership.get("pause_reason", ""),
                "reliability": None,
                "earnings_cents": row["annotations"] * project.pay_per_annotation_cents,
                "earnings_source": "estimate",
                "first_at": row["first_at"],
                "last_at": row["last_at"],
            }
        )
    sources = _merge_other_parts(project, raters)
    return {"raters": raters, "pairs": pair_agreement(project=project), "sources": sources}


def _merge_other_parts(project: Project, raters: list[dict]) -> dict[str, str]:
    """Overlay the agreement part's model reliability and the rater lifecycle's gold checks and ledger.

    Gold accuracy and agreement computed here from raw annotations stay where the lifecycle has no
    data (imported labels are never gold-checked or paid).
    """
    sources = {"gold accuracy": "annotations on gold items", "earnings": "estimate (pay rate × labels)"}
    reliability, error = call_safely(optional("labeling.selectors.agreement", "rater_reliability"), project=project)
    sources["reliability"] = "aggregation model" if reliability else (error or "no fit yet")
    by_id = {row["rater_id"]: row for row in raters}
    for rater_id, value in (reliability or {}).items():
        if int(rater_id) in by_id:
            by_id[int(rater_id)]["reliability"] = float(value)
    quality, error = call_safely(optional("raters.selectors.quality", "project_rater_quality"), project=project)
    if quality is None:
        sources["rater lifecycle"] = error or "not available yet"
        return sources
    ledger = any(q.get("earnings_cents") for q in quality)
    checked = any(q.get("gold_answered") for q in quality)
    for q in quality:
        row = by_id.get(q.get("user_id"))
        if row is None:
            continue
        if q.get("gold_answered"):
            row["gold_answers"] = q["gold_answered"]
            row["gold_accuracy"] = q["gold_accuracy"]
        if ledger:
            row["earnings_cents"] = q.get("earnings_cents") or 0
            row["earnings_source"] = "ledger"
        if q.get("status"):
            row["status"] = q["status"]
            row["pause_reason"] = q.get("pause_reason") or ""
    if ledger:
        sources["earnings"] = "earnings ledger"
    if checked:
        sources["gold accuracy"] = "gold checks"
    return sources
