"""feedback/services/serving_statistics.py: appended per batch after privacy, merged correctly by concurrent writers."""

from __future__ import annotations

import threading
from datetime import timedelta

import orjson
import pytest
from django.db import connection, transaction

from feedback.models import ServingStatistics
from feedback.selectors.serving_statistics import serving_windows
from feedback.services.join import RequestRow
from feedback.services.serving_statistics import serving_statistics_compact, serving_statistics_record
from tests.feedback.helpers import T0, feed, make_rule, req, request_bytes


@pytest.mark.django_db
def test_the_consumer_batch_records_statistics_after_privacy(settings):
    # Given the default privacy rules (email dropped, ip hashed) and a rule for the model.
    make_rule()
    # When one batch carries three requests in two 5-minute windows, one of them duplicated.
    feed(
        req(request_bytes("a", features={"position": 1, "email": "x@y.z", "ip": "10.0.0.1", "q": "shoes"})),
        req(request_bytes("a", features={"position": 1, "email": "x@y.z", "ip": "10.0.0.1", "q": "shoes"})),
        req(request_bytes("b", features={"position": 2, "ip": "10.0.0.2", "q": "hats"})),
        req(request_bytes("c", served_at=T0 + timedelta(minutes=7), features={"position": 5})),
    )
    # Then each window has its partial row, nothing private is in it, the duplicate counted once.
    windows = serving_windows(model="ranker", since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=1))
    assert [(start, profile.rows) for start, profile in windows] == [(T0, 2), (T0 + timedelta(minutes=5), 1)]
    first = windows[0][1]
    assert "email" not in first.features
    assert all(str(value).startswith("h:") for value in first.features["ip"].categories)
    assert first.features["q"].categories == {"shoes": 1, "hats": 1}
    assert first.features["position"].sketch.n == 2
    # Switched off, nothing is recorded.
    settings.FEEDBACK = {**settings.FEEDBACK, "SERVING_STATISTICS": False}
    feed(req(request_bytes("d")))
    assert ServingStatistics.objects.count() == 2


def _rows(prefix: str, n: int) -> list[RequestRow]:
    return [
        RequestRow(
            request_id=f"{prefix}-{i}",
            state="request",
            model="m",
            served_at=T0 + timedelta(seconds=i % 600),
            features_json=orjson.dumps({"x": i, "c": prefix}).decode(),
        )
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_and_a_compaction_merge_to_the_totals():
    # Given two writers (own connections, own transactions) appending batches into the same windows
    # while a compaction merges the first window again and again.
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            rows = _rows(prefix, 2000)
            for start in range(0, 2000, 100):
                with transaction.atomic():
                    serving_statistics_record(requests=rows[start : start + 100], now=T0)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def compactor(stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                serving_statistics_compact(model="m", before=T0 + timedelta(hours=1), now=T0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(p,)) for p in ("one", "two")]
    compacting = threading.Thread(target=compactor, args=(stop,))
    compacting.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    compacting.join()
    assert errors == []
    # Then the merged counts equal the totals, before and after a last compaction.
    for _ in range(2):
        windows = dict(serving_windows(model="m", since=T0, until=T0 + timedelta(hours=1)))
        assert sorted(windows) == [T0, T0 + timedelta(minutes=5)]
        assert sum(p.rows for p in windows.values()) == 4000
        assert sum(p.features["c"].categories.get("one", 0) for p in windows.values()) == 2000
        assert sum(p.features["x"].sketch.n for p in windows.values()) == 4000
        serving_statistics_compact(model="m", before=T0 + timedelta(hours=1), now=T0)
    assert ServingStatistics.objects.filter(model="m").count() == 2
    assert set(ServingStatistics.objects.values_list("compacted", flat=True)) == {True}


@pytest.mark.django_db
def test_a_rolled_back_batch_takes_its_statistics_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        serving_statistics_record(requests=_rows("x", 10), now=T0)
        raise RuntimeError("the batch failed")
    assert not ServingStatistics.objects.exists()
    # Hourly roll-up: the two 5-minute windows of the hour merge into one.
    serving_statistics_record(requests=_rows("y", 600), now=T0)
    hourly = serving_windows(model="m", since=T0, until=T0 + timedelta(hours=1), grain_seconds=3600)
    assert [(start, p.rows) for start, p in hourly] == [(T0, 600)]


@pytest.mark.django_db
def test_a_late_batch_for_a_compacted_window_is_kept_and_merged_next_time():
    # Given a window already compacted into one row.
    serving_statistics_record(requests=_rows("early", 300), now=T0)
    serving_statistics_record(requests=_rows("more", 200), now=T0)
    assert serving_statistics_compact(model="m", before=T0 + timedelta(hours=1), now=T0) == 1
    # When a late (or replayed-by-the-producer) batch for that window arrives.
    serving_statistics_record(requests=_rows("late", 100), now=T0 + timedelta(hours=2))
    # Then readers see all of it at once, and the next compaction folds it in.
    assert [p.rows for _, p in serving_windows(model="m", since=T0, until=T0 + timedelta(hours=1))] == [600]
    assert serving_statistics_compact(model="m", before=T0 + timedelta(hours=1), now=T0) == 1
    assert list(ServingStatistics.objects.values_list("rows", "compacted")) == [(600, True)]
