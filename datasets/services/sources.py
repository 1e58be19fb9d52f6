"""Where a version's rows come from: resolved human labels, known answers of gold items, direct labels.

Each source reads its inputs in keyset pages (memory stays flat, each page is its own short query)
and yields tuples in `COPY_COLUMNS` order, ready for COPY. Sources follow the definition snapshot
stored on the version, never the live `Dataset`, so a version is rebuilt exactly as recorded.

Human labels come from regular items only (`labeling.selectors.crowd_items`): a gold, exam or
practice item never contributes a crowd label, even through a resolution left from before that
rule. With the `known_answer` gold policy, each gold item with a known answer becomes one row with
that answer as the label, `source = "gold"`, method `known_answer`, kind `gold`, confidence 1, no
soft label and no raters (the label is not theirs). Filters on resolutions apply to gold rows where
they mean something: the label time window (on the item's creation, when the answer was set) and
the confidence floor (1 always passes); `adjudicated_only` leaves them out; the instructions-version
filter, about the annotations behind a crowd label, does not apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from django.db import connection

from datasets.models import GoldPolicy, RowSource
from datasets.services.pseudonyms import feedback_user_token, rater_pseudonyms, rater_token
from datasets.services.splits import split_for_key
from labeling.selectors.crowd_items import non_crowd_item_ids

COPY_COLUMNS = (
    "version_id",
    "key",
    "split",
    "source",
    "label",
    "soft_label_classes",
    "soft_label_probs",
    "confidence",
    "weight",
    "label_time",
    "input",
    "item_id",
    "item_external_id",
    "resolution_id",
    "method",
    "kind",
    "annotation_count",
    "rater_ids",
    "instruction_versions",
    "decided_by",
    "rationale",
    "request_id",
    "feedback_event_ids",
    "rule",
    "rule_version",
    "window_start",
    "window_end",
    "model",
    "model_version",
    "features",
    "downsampling_rate",
    "subjects",
    # Direct labels only (other sources end at "subjects"; build pads them with nulls).
    "maturity",
    "age_seconds",
    "conversion_probability",
    "importance_weight",
)

# The values of the direct-label-only columns for human and gold rows.
DIRECT_ONLY_EMPTY = ("", None, None, None)

ERASED = "erased"


def pg_array(values) -> str:
    """A PostgreSQL array literal. COPY takes text as is, which is far cheaper than psycopg's list dumper."""
    if not values:
        return "{}"
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


class _Splitter:
    def __init__(self, definition: dict) -> None:
        split = definition["split"]
        self.seed = split["seed"]
        self.train = split["train"]
        self.validation = split["validation"]

    def __call__(self, key: str) -> str:
        return split_for_key(key=key, seed=self.seed, train_fraction=self.train, validation_fraction=self.validation)


_HUMAN_SQL = """
SELECT r.item_id, p.name, i.external_id, i.payload::text, r.id, r.label::text, r.distribution::text,
       r.confidence, r.method, r.kind, r.annotation_count, r.decided_by_id, r.created_at::text, r.rationale,
       coalesce(string_agg(a.rater_id::text, ',' ORDER BY a.rater_id), ''),
       coalesce(string_agg(DISTINCT iv.version::text, ','), '')
FROM labeling_resolution r
JOIN labeling_item i ON i.id = r.item_id
JOIN labeling_project p ON p.id = i.project_id
LEFT JOIN labeling_annotation a ON a.item_id = r.item_id
LEFT JOIN labeling_instructionversion iv ON iv.id = a.instruction_version_id
WHERE r.is_current AND r.item_id = ANY(%(page)s)
GROUP BY r.id, i.id, p.name
{having}
ORDER BY r.item_id
"""
# Keyset page of item ids first (an index range scan), then aggregate only that page's annotations.
_HUMAN_PAGE_SQL = (
    "SELECT r.item_id FROM labeling_resolution r "
    "WHERE {where} AND r.item_id > %(after)s ORDER BY r.item_id LIMIT %(limit)s"
)


class HumanLabelSource:
    """Current resolutions of the definition's projects, with the item and the annotations behind them."""

    def __init__(self, *, definition: dict, erased: frozenset[str]) -> None:
        self.definition = definition
        self.filters = definition["filters"]
        self.erased = erased if self.filters["exclude_erased_users"] else frozenset()
        self.split = _Splitter(definition)
        self._pseudonyms: dict[int, str] = {}

    @property
    def project_ids(self) -> list[int]:
        return [project["id"] for project in self.definition["projects"]]

    def _where(self) -> tuple[str, dict]:
        clauses = ["r.is_current", "r.project_id = ANY(%(projects)s)", "r.label IS NOT NULL", "r.label <> 'null'"]
        params: dict = {"projects": self.project_ids}
        # Gold, exam and practice items are few: an id list keeps the keyset page an index range scan.
        excluded = non_crowd_item_ids(project_ids=self.project_ids)
        if excluded:
            clauses.append("NOT (r.item_id = ANY(%(non_crowd)s))")
            params["non_crowd"] = excluded
        if self.filters["label_from"]:
            clauses.append("r.created_at >= %(label_from)s")
            params["label_from"] = datetime.fromisoformat(self.filters["label_from"])
        if self.filters["label_to"]:
            clauses.append("r.created_at < %(label_to)s")
            params["label_to"] = datetime.fromisoformat(self.filters["label_to"])
        if self.filters["min_confidence"] is not None:
            clauses.append("r.confidence >= %(min_confidence)s")
            params["min_confidence"] = self.filters["min_confidence"]
        if self.filters["adjudicated_only"]:
            clauses.append("r.kind = 'adjudication'")
        return " AND ".join(clauses), params

    def count(self) -> int:
        if not self.project_ids:
            return 0
        where, params = self._where()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM labeling_resolution r WHERE {where}", params)
            return cursor.fetchone()[0]

    def _pseudonym(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        return self._pseudonyms[user_id]

    def _learn_pseudonyms(self, user_ids: set[int]) -> None:
        missing = {user_id for user_id in user_ids if user_id not in self._pseudonyms}
        if not missing:
            return
        for user_id, pseudonym in rater_pseudonyms(user_ids=missing).items():
            self._pseudonyms[user_id] = ERASED if rater_token(user_id=user_id) in self.erased else pseudonym

    def chunks(self, *, version_id: int, chunk_size: int) -> Iterator[list[tuple]]:
        if not self.project_ids:
            return
        where, params = self._where()
        having = ""
        if self.filters["instruction_versions"]:
            having = "HAVING bool_and(coalesce(iv.version = ANY(%(instruction_versions)s), false))"
            params["instruction_versions"] = list(self.filters["instruction_versions"])
        sql = _HUMAN_SQL.format(having=having)
        page_sql = _HUMAN_PAGE_SQL.format(where=where)
        after = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(page_sql, {**params, "after": after, "limit": chunk_size})
                item_ids = [row[0] for row in cursor.fetchall()]
                if not item_ids:
                    return
                cursor.execute(sql, {**params, "page": item_ids})
                page = cursor.fetchall()
            after = item_ids[-1]
            self._learn_pseudonyms({int(uid) for row in page for uid in row[14].split(",") if uid})
            self._learn_pseudonyms({row[11] for row in page if row[11]})
            yield [self._row(version_id, row) for row in page]

    def _row(self, version_id: int, row: tuple) -> tuple:
        (item_id, project, external_id, payload, resolution_id, label, distribution, confidence, method, kind,
         annotation_count, decided_by_id, created_at, rationale, rater_ids, versions) = row  # fmt: skip
        key = f"{project}/{external_id if external_id is not None else f'#{item_id}'}"
        soft = sorted((str(value), float(share)) for value, share in json.loads(distribution or "{}").items())
        pseudonyms = [self._pseudonyms[int(uid)] for uid in rater_ids.split(",")] if rater_ids else []
        # label and payload are JSON text from PostgreSQL: COPY passes text through, no parse/dump round trip.
        return (
            version_id, key, self.split(key), RowSource.HUMAN.value, label,
            pg_array(value for value, _ in soft), pg_array(repr(share) for _, share in soft),
            confidence, None, created_at, payload, item_id, external_id, resolution_id, method, kind,
            annotation_count, pg_array(pseudonyms), pg_array(sorted(int(v) for v in versions.split(",") if v)),
            self._pseudonym(decided_by_id), rationale, None, "{}", "", "", None, None, "", "", None, None, "{}",
        )  # fmt: skip


_GOLD_SQL = """
SELECT i.id, p.name, i.external_id, i.payload::text, i.gold_value::text, i.created_at::text, i.gold_explanation
FROM labeling_item i JOIN labeling_project p ON p.id = i.project_id
WHERE {where} AND i.id > %(after)s ORDER BY i.id LIMIT %(limit)s
"""


class GoldLabelSource:
    """Known answers of the projects' gold items, flagged `source = "gold"` (the `known_answer` policy)."""

    def __init__(self, *, definition: dict) -> None:
        self.definition = definition
        self.filters = definition["filters"]
        self.split = _Splitter(definition)

    @property
    def enabled(self) -> bool:
        # Versions recorded before the gold policy existed carry none: they build as `exclude`.
        return (
            self.definition.get("gold", GoldPolicy.EXCLUDE) == GoldPolicy.KNOWN_ANSWER
            and bool(self.definition["projects"])
            and not self.filters["adjudicated_only"]
        )

    def _where(self) -> tuple[str, dict]:
        clauses = [
            "i.project_id = ANY(%(projects)s)",
            "i.is_gold",
            "NOT i.is_exam",
            "NOT i.is_practice",
            "i.gold_value IS NOT NULL",
            "i.gold_value <> 'null'::jsonb",
        ]
        params: dict = {"projects": [project["id"] for project in self.definition["projects"]]}
        if self.filters["label_from"]:
            clauses.append("i.created_at >= %(label_from)s")
            params["label_from"] = datetime.fromisoformat(self.filters["label_from"])
        if self.filters["label_to"]:
            clauses.append("i.created_at < %(label_to)s")
            params["label_to"] = datetime.fromisoformat(self.filters["label_to"])
        return " AND ".join(clauses), params

    def count(self) -> int:
        if not self.enabled:
            return 0
        where, params = self._where()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM labeling_item i WHERE {where}", params)
            return cursor.fetchone()[0]

    def chunks(self, *, version_id: int, chunk_size: int) -> Iterator[list[tuple]]:
        if not self.enabled:
            return
        where, params = self._where()
        sql = _GOLD_SQL.format(where=where)
        after = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql, {**params, "after": after, "limit": chunk_size})
                page = cursor.fetchall()
            if not page:
                return
            after = page[-1][0]
            yield [self._row(version_id, row) for row in page]

    def _row(self, version_id: int, row: tuple) -> tuple:
        item_id, project, external_id, payload, known_answer, created_at, explanation = row
        # The same key a crowd label of the item would have: a diff shows a gold row replacing one.
        key = f"{project}/{external_id if external_id is not None else f'#{item_id}'}"
        return (
            version_id, key, self.split(key), RowSource.GOLD.value, known_answer, "{}", "{}", 1.0, None,
            created_at, payload, item_id, external_id, None, "known_answer", "gold", None, "{}", "{}", "",
            explanation, None, "{}", "", "", None, None, "", "", None, None, "{}",
        )  # fmt: skip


class DirectLabelSource:
    """Current, final direct labels of one model (optionally one version of its label rule)."""

    def __init__(self, *, definition: dict, erased: frozenset[str]) -> None:
        self.definition = definition
        self.filters = definition["filters"]
        self.erased = erased if self.filters["exclude_erased_users"] else frozenset()
        self.split = _Splitter(definition)
        self.maturity_of = None

    def _queryset(self):
        from feedback.models import DirectLabel

        queryset = DirectLabel.objects.filter(model=self.definition["direct_model"], is_current=True, is_final=True)
        if self.definition["direct_rule_version"] is not None:
            queryset = queryset.filter(rule_version=self.definition["direct_rule_version"])
        if self.filters["label_from"]:
            queryset = queryset.filter(updated_at__gte=datetime.fromisoformat(self.filters["label_from"]))
        if self.filters["label_to"]:
            queryset = queryset.filter(updated_at__lt=datetime.fromisoformat(self.filters["label_to"]))
        return queryset

    def count(self) -> int:
        if not self.definition["direct_model"] or self.filters["adjudicated_only"]:
            return 0
        return self._queryset().count()

    def chunks(self, *, version_id: int, chunk_size: int) -> Iterator[list[tuple]]:
        # Direct labels are never adjudicated and carry no confidence or instruction version,
        # so those filters leave no direct label in (adjudicated only) or do not apply.
        if not self.definition["direct_model"] or self.filters["adjudicated_only"]:
            return
        fields = (
            "id", "request_id", "label", "weight", "rule_id", "rule_version", "window_start", "window_end",
            "model", "model_version", "features", "user_id", "feedback_event_ids", "downsampling_rate",
            "updated_at", "source", "request__user_id",
        )  # fmt: skip
        after = 0
        while True:
            page = list(self._queryset().filter(id__gt=after).order_by("id").values_list(*fields)[:chunk_size])
            if not page:
                return
            rows = [self._row(version_id, row) for row in page]
            yield [row for row in rows if row is not None]
            after = page[-1][0]

    def _row(self, version_id: int, row: tuple) -> tuple | None:
        (_, request_id, label, weight, rule_id, rule_version, window_start, window_end, model, model_version,
         features, user_id, event_ids, downsampling_rate, updated_at, label_source, request_user_id) = row  # fmt: skip
        users = sorted({u for u in (user_id, request_user_id) if u})
        subjects = [feedback_user_token(user_id=u) for u in users]
        if any(subject in self.erased for subject in subjects):
            return None
        key = f"request:{request_id}"
        if self.maturity_of is None:
            from feedback.selectors.labels import MaturityOf

            self.maturity_of = MaturityOf()
        m = self.maturity_of(rule_id=rule_id, label=label, is_final=True, served_at=window_start)
        return (
            version_id, key, self.split(key), RowSource.DIRECT.value, json.dumps(label), "{}", "{}", None, weight,
            updated_at, None, None, None, None, label_source, "", None, "{}", "{}", "", "", request_id,
            pg_array(event_ids or []), str(rule_id), str(rule_version), window_start,
            window_end, model, model_version, json.dumps(features) if features is not None else None, downsampling_rate,
            pg_array(subjects), m.maturity, m.age_seconds, m.conversion_probability, m.importance_weight,
        )  # fmt: skip


Source = HumanLabelSource | GoldLabelSource | DirectLabelSource


def sources_for(*, definition: dict, erased: frozenset[str]) -> list[Source]:
    return [
        HumanLabelSource(definition=definition, erased=erased),
        GoldLabelSource(definition=definition),
        DirectLabelSource(definition=definition, erased=erased),
    ]
