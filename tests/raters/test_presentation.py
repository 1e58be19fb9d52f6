"""Unit tests of pure helpers: item rendering, posted values, instructions markup, answer matching."""

from __future__ import annotations

from django.http import QueryDict

from labeling.models import Project
from raters.markup import render_markdown
from raters.scoring import answer_matches
from raters.web.presentation import item_display, value_from_post


def test_item_display_by_type():
    assert item_display({"text": "hi"})["text"] == "hi"
    shown = item_display({"image_url": "https://example.org/a.png", "caption": "x"})
    assert shown["image_url"] == "https://example.org/a.png" and shown["fields"] == [("caption", "x")]
    assert item_display({"image_url": "javascript:alert(1)"})["image_url"] is None
    assert '"a": 1' in item_display({"a": 1})["json"]


def test_json_payload_is_escaped_in_the_page(make_project, make_rater, client):
    project = make_project(regular=0)
    from labeling.services.items import items_import

    items_import(project=project, records=[{"payload": {"html": "<script>alert(1)</script>"}}])
    client.force_login(make_rater(project))
    body = client.get(f"/projects/{project.pk}/label/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_value_from_post():
    single = Project(label_type="single", categories=["a", "b", 3])
    multi = Project(label_type="multi", categories=["a", "b", "c"])
    number = Project(label_type="interval")
    assert value_from_post(single, QueryDict("value=2")) == 3
    assert value_from_post(single, QueryDict("value=9")) is None
    assert value_from_post(multi, QueryDict("value=2&value=0")) == ["a", "c"]
    assert value_from_post(number, QueryDict("value=2.5")) == 2.5
    assert value_from_post(number, QueryDict("value=x")) is None


def test_markdown_escapes_html():
    html = render_markdown("# Title\n\n<b>raw</b> and **bold**\n\n- one\n- two")
    assert "<h2>Title</h2>" in html and "&lt;b&gt;raw&lt;/b&gt;" in html
    assert "<strong>bold</strong>" in html and "<ul>\n<li>one</li>" in html


def test_answer_matches_by_type():
    assert answer_matches(project=Project(label_type="multi"), value=["b", "a"], expected=["a", "b"])
    assert answer_matches(project=Project(label_type="ratio"), value=2, expected=2.0)
    assert not answer_matches(project=Project(label_type="single"), value=None, expected="a")
    assert answer_matches(project=Project(label_type="single"), value={"label": "a"}, expected="a")


def test_attributes_are_not_in_the_admin():
    from django.contrib import admin

    from raters.models import RaterAttributes

    assert RaterAttributes not in admin.site._registry
