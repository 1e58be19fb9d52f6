"""python manage.py resolved_labels PROJECT [--since RFC3339] [--format jsonl|csv] [--output FILE]

The settled labels of regular items resolved after `--since`, oldest first, for retraining a model:
the rows of `GET /api/projects/<id>/labels/`. Gold, exam and practice items are never included.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from config.input_guard import csv_cell_safe
from labeling.management.commands.import_predictions import project_by_name_or_id
from labeling.selectors.predictions import labels_resolved_since
from labeling.services.prediction_formats import parse_since

COLUMNS = ["item", "item_id", "value", "method", "confidence", "resolved_at"]


class Command(BaseCommand):
    help = "Write the labels resolved since a time (JSONL or CSV), for retraining."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="Project name or id")
        parser.add_argument("--since", help="RFC 3339 timestamp, e.g. 2026-01-31T12:00:00Z (default: all)")
        parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
        parser.add_argument("--output", type=Path, help="Default: standard output")

    def handle(self, *args, project: str, since: str | None, format: str, output: Path | None, **options) -> None:
        target = project_by_name_or_id(project)
        output = Path(output) if output else None
        try:
            rows = labels_resolved_since(project=target, since=parse_since(since))
        except ApplicationError as exc:
            raise CommandError(exc.message)
        stream = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
        count = 0
        try:
            writer = csv.writer(stream) if format == "csv" else None
            if writer is not None:
                writer.writerow(COLUMNS)
            total = rows.count()
            quiet = options["verbosity"] == 0 or output is None
            for row in tqdm(rows.iterator(chunk_size=2000), total=total, desc="labels", disable=quiet, file=sys.stderr):
                record = {
                    "item": row.item.external_id,
                    "item_id": row.item_id,
                    "value": row.label,
                    "method": row.method,
                    "confidence": row.confidence,
                    "resolved_at": row.created_at.isoformat(),
                }
                if writer is not None:
                    value = record["value"] if isinstance(record["value"], str) else json.dumps(record["value"])
                    writer.writerow(
                        [
                            csv_cell_safe(v)
                            for v in [*[record[c] for c in COLUMNS[:2]], value, *[record[c] for c in COLUMNS[3:]]]
                        ]
                    )
                else:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if output:
                stream.close()
        if output:
            self.stdout.write(f"wrote {count} label(s) to {output}")
