"""datasets/tasks.py against a real Celery worker (Redis broker): the API-visible progress ends at ready."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config import celery_app
from datasets.models import VersionStatus
from datasets.selectors.versions import version_get
from datasets.services.build import dataset_build_start


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_version(dataset):
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        version = dataset_build_start(dataset=dataset)
        assert version.status == VersionStatus.BUILDING
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            version = version_get(dataset=dataset, number=version.number)
            if version.status != VersionStatus.BUILDING:
                break
            time.sleep(0.2)

    assert version.status == VersionStatus.READY and version.progress == 1.0
    assert version.row_count == 30 and len(version.content_hash) == 64
