"""Each guarded table has one write path: a scan of the app source fails when another module writes it.

The patterns are the ways our code writes rows (ORM create/update calls, raw INSERT/UPDATE/COPY, a
`copy_csv` of the table, a `slots_open` assignment); reads (`slots_open > 0`, `FROM labeling_annotation`)
do not match. Tests and benchmarks build their own data and are not scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("labeling", "raters", "feedback", "datasets", "ingestion", "backoffice", "config")


def _orm(model: str) -> list[str]:
    return [
        rf"\b{model}\.objects\.(create|bulk_create|get_or_create|update_or_create|bulk_update)\(",
        rf"\b{model}\.objects\b[^\n]*\.update\(",
    ]


def _sql(table: str) -> list[str]:
    return [rf"(INSERT\s+INTO|UPDATE|COPY)\s+{table}\b", rf"copy_csv\(\s*[\"']{table}[\"']"]


@dataclass(frozen=True)
class WritePath:
    what: str
    owners: tuple[str, ...]
    patterns: tuple[str, ...]


WRITE_PATHS = [
    WritePath(
        "Annotation",
        ("labeling/services/annotation_rows.py",),
        (*_orm("Annotation"), *_sql("labeling_annotation")),
    ),
    WritePath(
        "Item.slots_open",
        # Leases take and give back slots; the item import sets the initial value.
        ("labeling/services/assignment.py", "labeling/services/items.py"),
        (r"\bslots_open\s*=(?!=)(?!\s*models\.)", r"[\"']slots_open[\"']\s*:"),
    ),
    WritePath(
        "ItemOverlapDecision",
        ("labeling/services/overlap.py",),
        (*_orm("ItemOverlapDecision"), *_sql("labeling_itemoverlapdecision")),
    ),
    WritePath(
        "Resolution",
        ("labeling/services/resolution_rows.py",),
        (*_orm("Resolution"), *_sql("labeling_resolution")),
    ),
    WritePath(
        "RaterReliability and AggregationFit",
        ("labeling/services/resolution.py",),
        (*_orm("RaterReliability"), *_orm("AggregationFit")),
    ),
    WritePath(
        "EarningsEntry",
        ("raters/services/earnings.py",),
        (*_orm("EarningsEntry"), *_sql("raters_earningsentry")),
    ),
    WritePath(
        "Pay periods, statements, policies, payout accounts and their history",
        ("raters/services/pay.py",),
        (
            *_orm("PayPeriod"),
            *_orm("PayoutStatement"),
            *_orm("PayoutStatementEntry"),
            *_orm("PayPolicy"),
            *_orm("PayoutAccount"),
            *_orm("PayoutAccountChange"),
            r"\bperiod\.save\(",
            r"\baccount\.save\(",
            r"\bpolicy\.save\(",
        ),
    ),
    WritePath(
        "Prediction, ItemModelState and Item.priority after import",
        # The item import sets the initial priority (a column of its INSERT); the prediction import refreshes it.
        ("labeling/services/predictions.py",),
        (
            *_orm("Prediction"),
            *_sql("labeling_prediction"),
            *_orm("ItemModelState"),
            *_sql("labeling_itemmodelstate"),
            r"SET\s+priority\s*=",
            r"\.update\([^)]*\bpriority\s*=",
        ),
    ),
    WritePath(
        "ModelSettings",
        ("labeling/services/model_settings.py",),
        (*_orm("ModelSettings"), r"\bModelSettings\.objects\b[^\n]*\.get_or_create\("),
    ),
    WritePath("SuggestionExposure", ("labeling/services/suggestions.py",), (*_orm("SuggestionExposure"),)),
    WritePath("MachineReliability", ("labeling/services/resolution.py",), (*_orm("MachineReliability"),)),
    WritePath(
        "Project",
        ("labeling/services/projects.py",),
        (*_orm("Project"), *_sql("labeling_project"), r"\bProject\((?!models\.)", r"\bproject\.save\("),
    ),
    WritePath(
        "DelayDistribution",
        ("feedback/services/delays.py",),
        (*_orm("DelayDistribution"), *_sql("feedback_delaydistribution")),
    ),
    WritePath(
        "ConsumerOffset (offsets and watermarks)",
        ("ingestion/offsets.py",),
        (*_orm("ConsumerOffset"), *_sql("ingestion_consumeroffset")),
    ),
    WritePath(
        "ServingStatistics",
        ("feedback/services/serving_statistics.py",),
        (*_orm("ServingStatistics"), *_sql("feedback_servingstatistics")),
    ),
    WritePath(
        "ValidationReference",
        ("datasets/services/validation_reference.py",),
        (*_orm("ValidationReference"), *_sql("datasets_validationreference")),
    ),
    WritePath(
        "ValidationSchema",
        ("datasets/services/validation_schema.py",),
        (*_orm("ValidationSchema"), *_sql("datasets_validationschema")),
    ),
    WritePath("Anomaly", ("datasets/services/anomalies.py",), (*_orm("Anomaly"), *_sql("datasets_anomaly"))),
    WritePath(
        "Review",
        ("labeling/services/review.py",),
        (*_orm("Review"), *_sql("labeling_review"), r"\breview\.save\("),
    ),
    WritePath(
        "AnnotationRevision",
        ("labeling/services/annotation_rows.py",),
        (*_orm("AnnotationRevision"), *_sql("labeling_annotationrevision")),
    ),
    WritePath(
        "ItemFlag",
        ("labeling/services/flags.py",),
        (*_orm("ItemFlag"), *_sql("labeling_itemflag"), r"\bflag\.save\("),
    ),
    WritePath(
        "OutboxEvent",
        ("config/outbox/services.py",),
        (*_orm("OutboxEvent"), *_sql("outbox_outboxevent"), r"\bOutboxEvent\((?!models\.)"),
    ),
    WritePath(
        "WebhookEndpoint",
        ("config/webhooks/services/endpoints.py",),
        (*_orm("WebhookEndpoint"), *_sql("webhooks_webhookendpoint"), r"\bendpoint\.save\("),
    ),
    WritePath(
        "WebhookDelivery",
        ("config/webhooks/services/deliveries.py",),
        (*_orm("WebhookDelivery"), *_sql("webhooks_webhookdelivery"), r"\bdelivery\.save\("),
    ),
    WritePath(
        "WebhookDeliveryAttempt",
        ("config/webhooks/services/deliveries.py",),
        (*_orm("WebhookDeliveryAttempt"), *_sql("webhooks_webhookdeliveryattempt")),
    ),
]


def writers(source: str, patterns: tuple[str, ...]) -> list[int]:
    """Line numbers of `source` that write, by any of the patterns."""
    compiled = [re.compile(p) for p in patterns]
    return [n for n, line in enumerate(source.splitlines(), 1) if any(p.search(line) for p in compiled)]


def _app_sources() -> dict[str, str]:
    files = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                files[path.relative_to(ROOT).as_posix()] = path.read_text()
    return files


SOURCES = _app_sources()


def _offenders(path: WritePath) -> dict[str, list[int]]:
    found = {name: writers(text, path.patterns) for name, text in SOURCES.items() if name not in path.owners}
    return {name: lines for name, lines in found.items() if lines}


@pytest.mark.parametrize("path", WRITE_PATHS, ids=lambda path: path.what)
def test_only_the_owner_writes(path: WritePath):
    # Given every app module but the table's owner; when scanned for writes
    offenders = _offenders(path)
    # Then none writes the table
    assert not offenders, offenders


def test_every_owner_exists_and_writes():
    # The owners are real modules that match their own patterns, so a rename cannot empty the check
    for path in WRITE_PATHS:
        for owner in path.owners:
            assert writers(SOURCES[owner], path.patterns), f"{owner} no longer writes {path.what}"


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ('Annotation.objects.create(project=p, item=i, rater=r, value="x")', "Annotation"),
        ('copy_csv("labeling_annotation", columns, frame)', "Annotation"),
        ("Item.objects.filter(pk=1).update(slots_open=F('slots_open') + 1)", "Item.slots_open"),
        ("UPDATE labeling_item SET slots_open = slots_open - 1", "Item.slots_open"),
        ("Resolution.objects.filter(pk=1).update(is_current=False)", "Resolution"),
        ("COPY labeling_resolution (project_id) FROM STDIN", "Resolution"),
        ("Project.objects.create(name='x')", "Project"),
        ("project.save()", "Project"),
        ('OutboxEvent.objects.create(event_type="item.resolved")', "OutboxEvent"),
        ("INSERT INTO outbox_outboxevent (event_id) VALUES (%s)", "OutboxEvent"),
        ("WebhookDelivery.objects.filter(pk=1).update(status='succeeded')", "WebhookDelivery"),
        ("endpoint.save(update_fields=['status'])", "WebhookEndpoint"),
    ],
)
def test_a_new_writer_is_caught(line: str, what: str):
    # Given a module that writes a guarded table outside its owner, the scan finds it
    path = next(p for p in WRITE_PATHS if p.what == what)
    assert writers(f"x = 1\n{line}\n", path.patterns) == [2]


@pytest.mark.parametrize(
    "line",
    [
        "items = items.filter(slots_open__gt=0)",
        "AND i.slots_open > 0 AND NOT i.is_gold",
        "slots_open = models.PositiveSmallIntegerField()",
        "SELECT item_id FROM labeling_annotation WHERE project_id = %s",
        "Resolution.objects.filter(item=item, is_current=True).first()",
    ],
)
def test_reads_are_not_writes(line: str):
    assert not any(writers(line, p.patterns) for p in WRITE_PATHS)
