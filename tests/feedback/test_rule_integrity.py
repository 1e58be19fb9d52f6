"""A label rule can never go away, so the rule ids on requests and labels always resolve without a per-row
foreign-key check (docs/adr/0026-feedback-join-cpu-budget.md). Played by a careless admin: the admin page,
the ORM and hand-written SQL all try to delete a rule; the request-side foreign keys stay."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from feedback.models import DirectLabel, LabelRule
from feedback.services.windows import windows_close_due
from tests.feedback.helpers import T0, event_bytes, fb, feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db


def _foreign_keys(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
            WHERE c.contype = 'f' AND c.conrelid = %s::regclass
            """,
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


def test_only_the_request_side_keeps_its_foreign_key_check():
    assert _foreign_keys("feedback_feedbackevent") == {"request_id"}
    assert _foreign_keys("feedback_directlabel") == {"request_id"}
    assert "rule_id" not in _foreign_keys("feedback_inferencerequest")


def test_an_unused_rule_cannot_be_deleted_by_the_orm_or_by_sql():
    rule = make_rule()
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        LabelRule.objects.filter(pk=rule.pk).delete()
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM feedback_labelrule")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE feedback_labelrule SET id = id + 1000")
    assert LabelRule.objects.filter(pk=rule.pk).exists()


def test_a_rule_with_labels_keeps_them_resolvable():
    rule = make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1")))
    done = T0 + rule.window + rule.grace + rule.grace
    windows_close_due(now=done, watermark=done)
    label = DirectLabel.objects.get(request_id="r1", is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM feedback_labelrule WHERE id = %s", [rule.pk])
    label.refresh_from_db()
    assert label.rule.version == rule.version and label.rule_version == rule.version


def test_the_admin_offers_no_delete(client, django_user_model):
    rule = make_rule()
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    page = client.get(f"/admin/feedback/labelrule/{rule.pk}/delete/")
    assert page.status_code == 403
    listing = client.get("/admin/feedback/labelrule/")
    assert listing.status_code == 200 and b'value="delete_selected"' not in listing.content
    assert LabelRule.objects.filter(pk=rule.pk).exists()
