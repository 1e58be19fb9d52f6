"""The event-time watermark on the health page: per-partition bars, the partition that holds it, the KPIs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from feedback import conf as feedback_conf
from feedback.models import InferenceRequest
from feedback.selectors.watermarks import feedback_group
from ingestion.models import ConsumerOffset

LATENESS_S = 5  # FEEDBACK_IDLE_PARTITION_LATENESS_S default
BAR = re.compile(r'<rect class="data bar"[^>]*fill="(?P<fill>[^"]+)"><title>(?P<title>[^<]*)</title>')


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("lead", password="pw-123456789", is_staff=True)


def seed_partitions(*, with_unknown: bool) -> None:
    """Partition 0 lags (10 min of event time behind, 1,500 unread), 1 is idle and caught up a second ago,
    2 (if asked) has no figure at all. A requests-topic row must not count."""
    now = timezone.now()
    group, topic = feedback_group(), feedback_conf.feedback_topic()
    rows = [
        dict(partition=0, committed_offset=500, highwater=2000, event_time_max=now - timedelta(minutes=10)),
        dict(partition=1, committed_offset=900, highwater=900, event_time_max=now - timedelta(hours=2),
             caught_up_at=now - timedelta(seconds=1)),
    ]  # fmt: skip
    if with_unknown:
        rows.append(dict(partition=2, committed_offset=0, highwater=None))
    for row in rows:
        ConsumerOffset.objects.create(group=group, topic=topic, updated_at=now, **row)
    ConsumerOffset.objects.create(
        group=group, topic=feedback_conf.requests_topic(), partition=0, committed_offset=7, highwater=99,
        event_time_max=now - timedelta(days=3), updated_at=now,
    )  # fmt: skip


def seed_windows() -> None:
    """One window the watermark holds, one it has passed (beat closes it next), one not due on the wall clock."""
    now = timezone.now()
    for request_id, close_in in (("held", -60), ("passed", -3600), ("not-due", 60)):
        InferenceRequest.objects.create(
            request_id=request_id, state="open", served_at=now - timedelta(hours=2),
            close_at=now + timedelta(seconds=close_in), first_seen_at=now,
        )  # fmt: skip


def watermark_chart(html: str) -> str:
    match = re.search(r'<svg[^>]*aria-label="Event time behind the wall clock per feedback partition".*?</svg>',
                      html, re.S)  # fmt: skip
    assert match, "no watermark chart"
    return match.group(0)


def kpis(page: dict) -> dict[str, str]:
    return {kpi["label"]: kpi["value"] for kpi in page["watermark"]["kpis"]}


@pytest.mark.django_db
def test_lagging_partition_holds_the_watermark(client, staff):
    seed_partitions(with_unknown=False)
    seed_windows()
    client.force_login(staff)

    response = client.get("/dashboard/health/")

    assert response.status_code == 200
    page = response.context["page"]
    health = page["health"]
    rows = {row["partition"]: row for row in health["watermark_partitions"]}
    assert sorted(rows) == [0, 1]  # the requests topic is not part of the feedback watermark
    assert rows[0]["behind_s"] == pytest.approx(600, abs=3)
    assert rows[0]["lag"] == 1500 and rows[0]["source"] == "events" and rows[0]["holds_watermark"]
    assert rows[1]["behind_s"] == pytest.approx(1 + LATENESS_S, abs=3)
    assert rows[1]["lag"] == 0 and rows[1]["source"] == "caught_up" and not rows[1]["holds_watermark"]
    assert health["watermark"] == rows[0]["effective"]
    assert health["windows_held_by_watermark"] == 1  # "passed" is past the watermark, "not-due" not due
    assert kpis(page) == {"Low watermark age": "10 min", "Held by the watermark": "1",
                          "Partitions without event time": "0"}  # fmt: skip

    html = response.content.decode()
    bars = BAR.findall(watermark_chart(html))
    assert [title.split(":")[0] for _, title in bars] == ["p0 (low)", "p1"]
    assert bars[0][0] == "#dc2626" and bars[1][0] != "#dc2626"  # the holder is marked
    assert re.match(r"p0 \(low\): 60\d", bars[0][1]) and "offset lag 1,500" in bars[0][1]
    assert re.match(r"p1: [6-9]\.\d", bars[1][1]) and "offset lag 0" in bars[1][1]
    assert "Partition 0 holds the low watermark." in html


@pytest.mark.django_db
def test_partition_without_figures_blocks_closing(client, staff):
    seed_partitions(with_unknown=True)
    seed_windows()
    client.force_login(staff)

    response = client.get("/dashboard/health/")

    page = response.context["page"]
    health = page["health"]
    assert health["watermark"] is None and health["partitions_without_event_time"] == [2]
    assert health["windows_held_by_watermark"] == 2  # unknown watermark: every window past its deadline waits
    assert kpis(page) == {"Low watermark age": "—", "Held by the watermark": "2",
                          "Partitions without event time": "1"}  # fmt: skip
    html = response.content.decode()
    bars = BAR.findall(watermark_chart(html))
    assert [title.split(":")[0] for _, title in bars] == ["p0", "p1"]  # partition 2 has no bar to draw
    blocking = "Partition 2 has no event time yet (nothing read, never caught up): no window closes until it reports"
    assert blocking in html
    assert re.search(r'<tr data-partition="2"><td>2</td><td class="num">—</td><td class="num">—</td><td>none</td>'
                     r'<td><span class="badge bad">holds the watermark</span>', html)  # fmt: skip


@pytest.mark.django_db
def test_empty_state_before_the_consumer_records_anything(client, staff):
    client.force_login(staff)

    response = client.get("/dashboard/health/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "No partition of the feedback topic has been recorded by the consumer yet." in html
    assert "The feedback consumer has recorded no partition yet: no window closes on event time." in html
    assert 'aria-label="Event time behind the wall clock per feedback partition"' not in html
