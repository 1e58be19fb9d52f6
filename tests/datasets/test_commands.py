"""datasets/management/commands and datasets/tasks.py: thin wrappers over the services."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from datasets.models import DatasetVersion, VersionStatus
from datasets.services.build import dataset_version_create
from datasets.tasks import build_dataset_version


@pytest.mark.django_db
def test_build_export_and_diff_commands(dataset, tmp_path):
    out = io.StringIO()
    call_command("dataset_build", dataset.name, stdout=out, verbosity=0)
    call_command("dataset_build", dataset.name, stdout=out, verbosity=0)
    assert "ds-human v1: 30 rows" in out.getvalue() and "ds-human v2: 30 rows" in out.getvalue()

    target = tmp_path / "v2.csv"
    call_command("dataset_export", dataset.name, "--version", "2", "--format", "csv", "-o", str(target), verbosity=0)
    assert len(pd.read_csv(target)) == 30

    diff_out = io.StringIO()
    call_command("dataset_diff", dataset.name, "--from", "1", "--to", "2", stdout=diff_out)
    assert json.loads(diff_out.getvalue())["unchanged"] == 30

    with pytest.raises(CommandError, match="No such dataset"):
        call_command("dataset_build", "missing", verbosity=0)


@pytest.mark.django_db
def test_celery_task_loads_the_version_and_builds_it(dataset):
    version = dataset_version_create(dataset=dataset)

    assert build_dataset_version.apply(args=[version.pk]).get() == 30

    version.refresh_from_db()
    assert version.status == VersionStatus.READY
    # A second delivery of the same task is a no-op (the version is no longer building)
    assert build_dataset_version.apply(args=[version.pk]).get() is None
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
